// Schema of the static configuration: Node tree -> StaticConfig, the flag-arity probe and the
// list of top-level keys. Used by static_loader.cc and the fuzz target. Thread: control thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "config/flat_keys.h"
#include "config/node.h"
#include "config/static_config.h"

namespace pier::config {

/// Decodes a whole static tree. `from_file`: unknown top-level keys only warn (Traefik ignores
/// them in files). Warnings are appended to `warnings`.
Result<StaticConfig> decodeStaticNode(const Node& root, bool from_file,
                                      std::vector<std::string>& warnings);

/// Whether `--key` alone takes the next argument (see flat_keys.h).
FlagArity staticFlagArity(std::string_view key);

/// True when `name` is a top-level static key (case-insensitive), e.g. "entrypoints".
bool isStaticRoot(std::string_view name);

/// Error when the tree uses an option removed in Traefik v3 (spec A.1 step 1).
Result<void> checkRemovedOptions(const Node& root);

/// Parses `[host]:port[/tcp|/udp]` (spec A.7).
Result<ListenAddress> parseListenAddress(std::string_view text);

}  // namespace pier::config
