// Wiring of a running Pier: binds the entry points, starts the workers, runs the control loop
// (signals, providers, throttle, snapshot build and publish) and the graceful shutdown.
// Thread: constructed and run on the main thread, which becomes the control loop.
#pragma once

#include <memory>

#include "config/static_config.h"

namespace pier::app {

// Runs until SIGTERM/SIGINT and a drained shutdown. Returns the process exit code.
int runServer(const config::StaticConfig& config);

}  // namespace pier::app
