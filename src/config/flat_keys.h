// Flat keys -> Node tree, shared by CLI flags, environment variables and Docker labels (spec A.2,
// A.3, A.4, B.3). The tree is schema-agnostic: field names and user names are both kept as written
// and looked up case-insensitively by the decoder. Thread: control thread only.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "config/node.h"

namespace pier::config {

/// One `a.b[0].c=value` pair and where it came from ("flag --a.b", "env TRAEFIK_A_B").
struct FlatEntry {
  std::string key;
  std::string value;
  std::string where;
};

/// Builds the tree. Segments are separated by `.`; `name[n]` makes `name` a list whose items are
/// ordered by n (indexes only group keys). Sibling segments differing only by case are folded into
/// the first one seen. A key set twice keeps every value (Node::values). Errors: empty segment,
/// segment starting with `[`, bad index, a list mixed with named fields.
Result<Node> flatToNode(const std::vector<FlatEntry>& entries);

/// What a flag name denotes, so the parser knows whether a bare `--name` takes the next argument.
enum class FlagArity {
  TakesValue,  // string, number, duration, list...: `--name value` is allowed
  NoValue,     // boolean or "enable a section": bare `--name` means true
  Unknown,     // not in the schema; the decoder reports it
};
using ArityProbe = std::function<FlagArity(std::string_view key)>;

/// Parses CLI arguments (argv without the program and sub-command) per spec A.3: `-x`/`--x`,
/// `--x=v`, `--x v` unless x is NoValue, bare `--` ends parsing. `--configFile` is not special
/// here; the loader removes it first. A positional argument that no flag consumed is an error
/// naming it (documented divergence: Traefik silently stops parsing there).
Result<std::vector<FlatEntry>> parseFlags(const std::vector<std::string>& args,
                                          const ArityProbe& probe);

/// Environment variables to entries (spec A.4): a name starting with one of `prefixes` (e.g.
/// "TRAEFIK_", "PIER_"), lower-cased, `_` -> `.`, kept only when its first segment satisfies
/// `is_root` (a known top-level field).
std::vector<FlatEntry> envEntries(const std::vector<std::pair<std::string, std::string>>& env,
                                  const std::vector<std::string>& prefixes,
                                  const std::function<bool(std::string_view)>& is_root);

}  // namespace pier::config
