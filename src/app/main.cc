// Process entry: sub-commands, static configuration, exit codes.
//   0  clean shutdown      1  start-up failure (port busy, ...)      2  bad configuration
#include <malloc.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "app/healthcheck.h"
#include "app/server.h"
#include "base/log.h"
#include "config/static_loader.h"

extern char** environ;

namespace {

constexpr const char* kVersion = "0.1.0";

int printVersion() {
  std::printf("Version:      %s (Pier, Traefik v3 compatible)\n", kVersion);
  return 0;
}

std::vector<std::pair<std::string, std::string>> environment() {
  std::vector<std::pair<std::string, std::string>> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq != nullptr) {
      env.emplace_back(std::string(*e, static_cast<std::size_t>(eq - *e)), std::string(eq + 1));
    }
  }
  return env;
}

}  // namespace

// Body bytes pass through short-lived buffers of tens to hundreds of KiB. With glibc's defaults
// each worker arena gives those pages back (madvise/munmap) as soon as they are freed and
// faults them in again for the next response: on 64 KiB responses that tripled the CPU per
// request. Keep freed memory in the arenas instead; RSS stays bounded by the backpressure
// watermarks, not by the trim threshold.
void tuneAllocator() {
  mallopt(M_MMAP_THRESHOLD, 16 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
}

int main(int argc, char** argv) {
  // A write to a peer that already closed must fail with EPIPE on that one connection, not
  // kill the process: the default SIGPIPE action terminated Pier silently when a backend that
  // had been frozen (docker pause) answered a client that had given up. Set before any thread.
  std::signal(SIGPIPE, SIG_IGN);
  tuneAllocator();
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "version" || args[0] == "--version")) {
    return printVersion();
  }
  bool healthcheck = !args.empty() && args[0] == "healthcheck";
  if (!args.empty() && (args[0] == "run" || healthcheck)) {
    args.erase(args.begin());
  }
  auto env = environment();
  bool borrowed = false;
  if (healthcheck && args.empty()) {
    // The image's HEALTHCHECK runs `traefik healthcheck` with no flags: check the proxy the
    // container runs, configured as it was started (PIER_HEALTHCHECK_PID: tests).
    const char* pid = std::getenv("PIER_HEALTHCHECK_PID");
    if (auto running = pier::app::runningProxyInvocation(pid != nullptr ? std::atoi(pid) : 1)) {
      args = std::move(running->args);
      env = std::move(running->env);
      borrowed = true;
    }
  }
  auto loaded = pier::config::loadStaticConfig(args, env);
  if (!loaded) {
    std::fprintf(stderr, "pier: configuration error: %s\n", loaded.error().message.c_str());
    return 2;
  }
  const pier::config::StaticConfig& config = loaded->config;
  if (healthcheck) {
    return pier::app::runHealthcheck(config, borrowed);
  }
  pier::config::Log log_settings = config.effectiveLog();
  pier::log::Level level = pier::log::Level::Error;
  pier::log::parseLevel(log_settings.level, level);
  pier::log::setLevel(level);
  pier::log::setJson(log_settings.format == "json");
  pier::log::info("configuration loaded from " + loaded->source);
  for (const std::string& w : loaded->warnings) {
    pier::log::warn(w);
  }
  return pier::app::runServer(config);
}
