// pier-docker-probe: runs the Docker provider (EngineClient + DockerProvider over CurlMulti) on a
// libuv loop against a real engine and prints, one line each, flushed:
//   STATUS {"connected":..,"api_version":..,"last_error":..}
//   CONTAINERS [{...ContainerInfo...}, ...]      (every emitted list)
//   CLOSED clean|busy                             (at exit: did the loop close with no handle?)
// Used by test_docker_engine.py. Stops on SIGTERM/SIGINT or after --max-seconds.
#include <uv.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "base/log.h"
#include "providers/curl_multi.h"
#include "providers/docker/docker_provider.h"

extern char** environ;

namespace {

using namespace pier::providers;
using namespace pier::providers::docker;
using nlohmann::json;

void printLine(const std::string& kind, const json& j) {
  std::string s = kind + " " + j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::fflush(stdout);
}

json toJson(const ContainerInfo& c) {
  json ports = json::array();
  for (const auto& p : c.ports) {
    ports.push_back({{"port", p.container_port},
                     {"proto", p.protocol},
                     {"host_ip", p.host_ip},
                     {"host_port", p.host_port}});
  }
  json nets = json::array();
  for (const auto& n : c.networks) {
    nets.push_back({{"name", n.name}, {"ip", n.ip_address}, {"ipv6", n.ipv6_address}});
  }
  return {{"id", c.id},
          {"name", c.name},
          {"state", c.state},
          {"running", c.running},
          {"paused", c.paused},
          {"health", c.health},
          {"labels", c.labels},
          {"network_mode", c.network_mode},
          {"networks", nets},
          {"ports", ports},
          {"hostname", c.hostname},
          {"compose_project", c.compose_project},
          {"compose_service", c.compose_service}};
}

struct Probe {
  uv_loop_t loop{};
  uv_signal_t sig_term{};
  uv_signal_t sig_int{};
  uv_timer_t deadline{};
  std::unique_ptr<CurlMulti> curl;
  std::unique_ptr<DockerProvider> provider;
};

void shutdown(Probe& p) {
  p.provider.reset();
  p.curl.reset();
  uv_close(reinterpret_cast<uv_handle_t*>(&p.sig_term), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&p.sig_int), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&p.deadline), nullptr);
}

}  // namespace

int main(int argc, char** argv) {
  pier::config::DockerProvider settings;
  DockerProviderOptions options;
  long max_seconds = 600;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--endpoint") {
      settings.endpoint = value();
    } else if (a == "--no-watch") {
      options.watch = false;
    } else if (a == "--coalesce-ms") {
      options.coalesce = std::chrono::milliseconds(std::atol(value().c_str()));
    } else if (a == "--backoff-max-ms") {
      options.backoff_max = std::chrono::milliseconds(std::atol(value().c_str()));
    } else if (a == "--timeout-ms") {
      settings.http_client_timeout = std::chrono::milliseconds(std::atol(value().c_str()));
    } else if (a == "--max-seconds") {
      max_seconds = std::atol(value().c_str());
    } else if (a == "--debug") {
      pier::log::setLevel(pier::log::Level::Debug);
    } else {
      std::fprintf(stderr,
                   "usage: pier-docker-probe [--endpoint URL] [--no-watch] [--coalesce-ms N] "
                   "[--backoff-max-ms N] [--timeout-ms N] [--max-seconds N] [--debug]\n");
      return 2;
    }
  }
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq != nullptr) {
      env.emplace(std::string(*e, static_cast<std::size_t>(eq - *e)), std::string(eq + 1));
    }
  }
  Probe p;
  uv_loop_init(&p.loop);
  p.curl = CurlMulti::create(&p.loop);
  if (!p.curl) {
    return 1;
  }
  p.provider =
      std::make_unique<DockerProvider>(&p.loop, *p.curl, engineSettingsFrom(settings, env), options,
                                       [](const std::vector<ContainerInfo>& list) {
                                         json arr = json::array();
                                         for (const auto& c : list) {
                                           arr.push_back(toJson(c));
                                         }
                                         printLine("CONTAINERS", arr);
                                       });
  p.provider->setStatusObserver([](const DockerProviderStatus& s) {
    printLine("STATUS", {{"connected", s.connected},
                         {"endpoint", s.endpoint},
                         {"api_version", s.api_version},
                         {"daemon_version", s.daemon_version},
                         {"last_error", s.last_error},
                         {"emitted", s.emitted}});
  });
  if (auto started = p.provider->start(); !started) {
    std::fprintf(stderr, "%s\n", started.error().message.c_str());
    return 1;
  }
  uv_signal_init(&p.loop, &p.sig_term);
  uv_signal_init(&p.loop, &p.sig_int);
  uv_timer_init(&p.loop, &p.deadline);
  p.sig_term.data = p.sig_int.data = p.deadline.data = &p;
  auto on_signal = [](uv_signal_t* s, int) { shutdown(*static_cast<Probe*>(s->data)); };
  uv_signal_start(&p.sig_term, on_signal, SIGTERM);
  uv_signal_start(&p.sig_int, on_signal, SIGINT);
  uv_timer_start(
      &p.deadline, [](uv_timer_t* t) { shutdown(*static_cast<Probe*>(t->data)); },
      static_cast<std::uint64_t>(max_seconds) * 1000, 0);
  uv_run(&p.loop, UV_RUN_DEFAULT);
  int rc = uv_loop_close(&p.loop);
  std::printf("CLOSED %s\n", rc == 0 ? "clean" : "busy");
  return rc == 0 ? 0 : 3;
}
