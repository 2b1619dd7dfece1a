// `pier healthcheck [static config flags]` (spec H.1), as `traefik healthcheck`: HEAD
// http://<ping entry point address>/ping with a 5 s timeout. Exit 0 on 200, 1 otherwise.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/static_config.h"

namespace pier::app {

// `ping_optional`: the check was not given any configuration and borrowed the running proxy's
// (the image's HEALTHCHECK); when that proxy has no ping, the check reports the process alive
// instead of failing a container whose user never asked for ping.
int runHealthcheck(const config::StaticConfig& config, bool ping_optional = false);

// How the proxy running as process `pid` was started: its arguments (without argv[0] and a
// leading `run`) and environment, when that process is pier or traefik. Lets the image's
// `HEALTHCHECK CMD ["traefik", "healthcheck"]` use whatever flags the compose file passed.
struct Invocation {
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
};
std::optional<Invocation> runningProxyInvocation(int pid);

}  // namespace pier::app
