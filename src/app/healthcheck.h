// `pier healthcheck [static config flags]` (spec H.1), as `traefik healthcheck`: HEAD
// http://<ping entry point address>/ping with a 5 s timeout. Exit 0 on 200, 1 otherwise.
#pragma once

#include "config/static_config.h"

namespace pier::app {

int runHealthcheck(const config::StaticConfig& config);

}  // namespace pier::app
