// Static configuration loader (spec A.1): picks exactly one source - a file, else the CLI flags,
// else the TRAEFIK_*/PIER_* environment - decodes it, and adds the implicit objects of spec A.6.
// Thread: the main thread, once at start-up (reads files synchronously).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "config/static_config.h"

namespace pier::config {

struct LoadedStatic {
  StaticConfig config;
  /// "file /etc/traefik/traefik.yml", "flags", "environment" or "defaults".
  std::string source;
  /// Ignored sources, unsupported sections, unknown top-level file keys... one line each.
  std::vector<std::string> warnings;
};

using Environment = std::vector<std::pair<std::string, std::string>>;

/// `args`: argv without argv[0] (the caller removes a leading sub-command). `env`: the process
/// environment. Errors are one line naming the key, its source and what was expected; the caller
/// exits with code 2.
Result<LoadedStatic> loadStaticConfig(const std::vector<std::string>& args, const Environment& env);

/// Same, searching for a configuration file only in `search_dirs` (tests).
Result<LoadedStatic> loadStaticConfig(const std::vector<std::string>& args, const Environment& env,
                                      const std::vector<std::string>& search_dirs);

/// The directories searched for pier.{yml,yaml} / traefik.{yml,yaml}, in order: /etc/pier,
/// /etc/traefik, $XDG_CONFIG_HOME, $HOME/.config, the working directory.
std::vector<std::string> defaultSearchDirs(const Environment& env);

/// Spec A.6: `http` on :80 when no entry point exists; `traefik` on :8080 when api.insecure, ping
/// or prometheus needs it and it is absent.
void addImplicitObjects(StaticConfig& config);

}  // namespace pier::config
