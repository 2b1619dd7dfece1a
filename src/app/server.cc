#include "app/server.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "app/control_plane.h"
#include "base/log.h"
#include "base/strings.h"
#include "control/throttle.h"
#include "core/worker.h"
#include "health/health_thread.h"
#include "observability/access_log.h"
#include "observability/api_documents.h"
#include "observability/health.h"
#include "observability/metrics_registry.h"
#include "providers/curl_multi.h"
#include "providers/docker/container_model.h"
#include "providers/docker/docker_provider.h"
#include "providers/file/file_provider.h"
#include "proxy/listener.h"
#include "proxy/worker_context.h"
#include "tls/wolfssl.h"

namespace pier::app {
namespace {

using Millis = std::chrono::milliseconds;

Millis ms(config::Duration d) {
  return std::chrono::duration_cast<Millis>(d);
}

std::string hostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) {
    return "pier";
  }
  return buf;
}

Result<proxy::EntryPointSettings> settingsFor(std::size_t index, const std::string& name,
                                              const config::EntryPoint& ep,
                                              const config::StaticConfig& st) {
  proxy::EntryPointSettings s;
  s.index = index;
  s.name = name;
  if (auto bad = s.forwarded.trusted.assign(ep.forwarded_headers.trusted_ips)) {
    return fail(Error::config("entryPoints." + name + ".forwardedHeaders.trustedIPs: \"" + *bad +
                              "\" is not an IP address or CIDR range"));
  }
  s.forwarded.insecure = ep.forwarded_headers.insecure;
  s.forwarded.not_append_xff =
      ep.forwarded_headers.not_append_x_forwarded_for || st.global.not_append_x_forwarded_for;
  s.forwarded.add_scheme_headers = ep.forwarded_headers.add_x_forwarded_scheme_headers;
  s.forwarded.connection_keep = ep.forwarded_headers.connection;
  if (ep.proxy_protocol) {
    s.proxy_protocol = true;
    s.proxy_protocol_insecure = ep.proxy_protocol->insecure;
    if (auto bad = s.proxy_protocol_trusted.assign(ep.proxy_protocol->trusted_ips)) {
      return fail(Error::config("entryPoints." + name + ".proxyProtocol.trustedIPs: \"" + *bad +
                                "\" is not an IP address or CIDR range"));
    }
  }
  s.read_timeout = ms(ep.transport.responding_timeouts.read_timeout);
  s.write_timeout = ms(ep.transport.responding_timeouts.write_timeout);
  s.idle_timeout = ms(ep.transport.responding_timeouts.idle_timeout);
  s.max_header_bytes =
      static_cast<std::size_t>(std::max<std::int64_t>(ep.http.max_header_bytes, 1));
  s.sanitize_path = ep.http.sanitize_path;
  s.encode_query_semicolons = ep.http.encode_query_semicolons;
  s.keep_alive_max_requests =
      static_cast<std::uint64_t>(std::max(0, ep.transport.keep_alive_max_requests));
  s.keep_alive_max_time = ms(ep.transport.keep_alive_max_time);
  const std::string& underscore = ep.http.underscore_headers_strategy;
  s.underscore_headers = underscore == "delete"   ? proxy::UnderscoreHeaders::Delete
                         : underscore == "reject" ? proxy::UnderscoreHeaders::Reject
                                                  : proxy::UnderscoreHeaders::Keep;
  const config::EncodedCharacters& enc = ep.http.encoded_characters;
  s.encoded.slash = enc.allow_encoded_slash;
  s.encoded.back_slash = enc.allow_encoded_back_slash;
  s.encoded.null_character = enc.allow_encoded_null_character;
  s.encoded.semicolon = enc.allow_encoded_semicolon;
  s.encoded.percent = enc.allow_encoded_percent;
  s.encoded.question_mark = enc.allow_encoded_question_mark;
  s.encoded.hash = enc.allow_encoded_hash;
  return s;
}

// Everything the signal handlers and timers need; lives on run()'s stack for the whole run.
struct Runtime {
  uv_loop_t loop{};
  const config::StaticConfig* config = nullptr;
  proxy::ProcessState process;
  std::vector<proxy::EntryPointSettings> entry_points;
  std::vector<proxy::BoundSockets> sockets;
  std::vector<std::unique_ptr<core::Worker>> workers;
  std::vector<std::unique_ptr<proxy::WorkerContext>> contexts;
  std::atomic<std::size_t> workers_ready{0};
  std::unique_ptr<ControlPlane> control;
  std::unique_ptr<control::Throttle> file_throttle;
  std::unique_ptr<providers::FileProvider> file_provider;
  std::unique_ptr<providers::CurlMulti> curl;
  std::unique_ptr<control::Throttle> docker_throttle;
  std::unique_ptr<providers::docker::DockerProvider> docker;
  std::set<std::string> docker_default_rule_routers;  // from the latest Docker model
  uv_signal_t sig_term{}, sig_int{}, sig_hup{};
  uv_timer_t shutdown_timer{};
  uv_timer_t cert_poll_timer{};  // certificate files changed on disk -> rebuild (spec F.1)
  std::unique_ptr<observability::Health> health;
  std::unique_ptr<observability::MetricsRegistry> metrics;
  std::unique_ptr<observability::AccessLog> access_log;
  std::unique_ptr<observability::ApiDocuments> api;
  // Active health checks (spec D.3) on their own thread; they reach the control loop through
  // control_mailbox, one pending API re-render at a time.
  std::unique_ptr<health::HealthThread> health_checker;
  std::unique_ptr<core::Mailbox> control_mailbox;
  std::atomic<bool> api_rerender_pending{false};
  uv_signal_t sig_usr1{};
  Millis accept_grace{0};
  std::vector<Millis> grace;  // per entry point (graceTimeOut)
  std::chrono::steady_clock::time_point drain_started{};
  std::vector<bool> grace_expired;
  bool shutting_down = false;
  bool listeners_closed = false;
};

void publishToWorkers(Runtime& rt, runtime::SnapshotConstSharedPtr snapshot) {
  for (std::size_t i = 0; i < rt.workers.size(); ++i) {
    proxy::WorkerContext* ctx = rt.contexts[i].get();
    rt.workers[i]->post([ctx, snapshot] { ctx->install(snapshot); });
  }
  if (rt.health_checker) {
    rt.health_checker->update(snapshot);  // probe the new generation's servers
  }
}

std::size_t activeClients(Runtime& rt) {
  std::size_t total = 0;
  for (auto& ctx : rt.contexts) {
    total += ctx->activeClientsShared();
  }
  return total;
}

void stopWorkersAndLoop(Runtime& rt) {
  for (auto& w : rt.workers) {
    w->stop();
  }
  for (auto& w : rt.workers) {
    w->join();
  }
  if (rt.file_provider) {
    rt.file_provider->stop();
  }
  if (rt.file_throttle) {
    rt.file_throttle->close();
  }
  if (rt.docker) {
    rt.docker->stop();
  }
  if (rt.docker_throttle) {
    rt.docker_throttle->close();
  }
  rt.health_checker.reset();  // cancels probes, closes its handles, joins its thread
  if (rt.control_mailbox) {
    rt.control_mailbox->close();  // nothing posts to it any more
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&rt.sig_term), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&rt.sig_int), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&rt.sig_hup), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&rt.sig_usr1), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&rt.shutdown_timer), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&rt.cert_poll_timer), nullptr);
}

// Shutdown (spec H.1): ping answers the terminating code at once; listeners stay open for
// requestAcceptGraceTimeout; then they close and connections drain for up to graceTimeOut.
void shutdownTick(uv_timer_t* timer) {
  auto& rt = *static_cast<Runtime*>(timer->data);
  auto now = std::chrono::steady_clock::now();
  if (!rt.listeners_closed) {
    rt.listeners_closed = true;
    rt.process.accepting.store(false);
    for (std::size_t i = 0; i < rt.workers.size(); ++i) {
      proxy::WorkerContext* ctx = rt.contexts[i].get();
      rt.workers[i]->post([ctx] { ctx->stopAccepting(); });
    }
    rt.drain_started = now;
    rt.grace_expired.assign(rt.grace.size(), false);
    log::info("stopped accepting connections; draining in-flight requests");
    uv_timer_start(timer, &shutdownTick, 20, 0);
    return;
  }
  // Each entry point drains for its own graceTimeOut, then its connections are closed.
  for (std::size_t e = 0; e < rt.grace.size(); ++e) {
    if (!rt.grace_expired[e] && now - rt.drain_started >= rt.grace[e]) {
      rt.grace_expired[e] = true;
      for (std::size_t i = 0; i < rt.workers.size(); ++i) {
        proxy::WorkerContext* ctx = rt.contexts[i].get();
        rt.workers[i]->post([ctx, e] { ctx->closeClientsOf(e); });
      }
    }
  }
  bool all_expired =
      std::all_of(rt.grace_expired.begin(), rt.grace_expired.end(), [](bool b) { return b; });
  if (activeClients(rt) == 0 || all_expired) {
    stopWorkersAndLoop(rt);
    return;
  }
  uv_timer_start(timer, &shutdownTick, 20, 0);
}

void onStopSignal(uv_signal_t* handle, int signum) {
  auto& rt = *static_cast<Runtime*>(handle->data);
  if (rt.shutting_down) {
    return;
  }
  rt.shutting_down = true;
  log::info(std::string("received ") + (signum == SIGTERM ? "SIGTERM" : "SIGINT") +
            ": shutting down");
  rt.process.draining.store(true);
  uv_timer_start(&rt.shutdown_timer, &shutdownTick,
                 static_cast<std::uint64_t>(rt.accept_grace.count()), 0);
}

void onHangup(uv_signal_t* handle, int) {
  auto& rt = *static_cast<Runtime*>(handle->data);
  log::info("received SIGHUP: re-reading the file provider");
  if (rt.file_provider) {
    rt.file_provider->reload();
  }
}

bool startWorkers(Runtime& rt, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    rt.workers.push_back(std::make_unique<core::Worker>(i));
    rt.contexts.push_back(std::make_unique<proxy::WorkerContext>(rt.workers[i]->loop(), i,
                                                                 rt.entry_points, rt.process));
  }
  std::atomic<bool> failed{false};
  for (std::size_t i = 0; i < count; ++i) {
    proxy::WorkerContext* ctx = rt.contexts[i].get();
    Runtime* rtp = &rt;
    rt.workers[i]->start(
        [rtp, ctx, i, &failed] {
          for (std::size_t e = 0; e < rtp->entry_points.size(); ++e) {
            auto l = proxy::Listener::start(*ctx, rtp->sockets[e].fds[i], rtp->entry_points[e]);
            if (!l) {
              log::error(l.error().message);
              failed.store(true);
            }
          }
          ctx->startSweep();
          rtp->workers_ready.fetch_add(1);
        },
        [ctx] { ctx->closeAll(); },
        // TLS handshakes ran on this thread: free wolfCrypt's per-thread tables with it
        [] { tls::releaseThreadCaches(); });
  }
  while (rt.workers_ready.load() < count) {
    std::this_thread::yield();
  }
  return !failed.load();
}

std::map<std::string, std::string> processEnvironment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq != nullptr) {
      env.emplace(std::string(*e, static_cast<std::size_t>(eq - *e)), std::string(eq + 1));
    }
  }
  return env;
}

// The Docker provider (spec B.1): the engine client follows the daemon and hands over the full
// container list; the model turns it into routers and services; the throttle paces reloads.
// A defaultRule or constraints that does not compile keeps the provider from starting (I.2).
bool startDockerProvider(Runtime& rt, const config::DockerProvider& dp, Millis throttle) {
  namespace docker = providers::docker;
  auto model = docker::DockerModel::create(docker::DockerModelSettings::fromStatic(dp));
  if (!model) {
    log::error("docker provider not started: " + model.error().message);
    return false;
  }
  rt.curl = providers::CurlMulti::create(&rt.loop);
  rt.docker_throttle = std::make_unique<control::Throttle>(
      &rt.loop, throttle, [&rt](const config::DynamicConfig& cfg) {
        rt.control->onProviderConfig("docker", cfg, rt.docker_default_rule_routers);
      });
  auto shared_model = std::make_shared<docker::DockerModel>(std::move(*model));
  docker::DockerProviderOptions options;
  options.watch = dp.watch;
  rt.docker = std::make_unique<docker::DockerProvider>(
      &rt.loop, *rt.curl, docker::engineSettingsFrom(dp, processEnvironment()), options,
      [&rt, shared_model](const std::vector<docker::ContainerInfo>& containers) {
        docker::DockerModelOutput out = shared_model->build(containers);
        for (const auto& e : out.errors)
          log::error("docker: " + e.text());
        for (const auto& w : out.warnings)
          log::warn("docker: " + w.text());
        for (const auto& i : out.infos)
          log::info("docker: " + i.text());
        rt.docker_default_rule_routers = std::move(out.default_rule_routers);
        rt.docker_throttle->push(std::move(out.config));
      });
  if (auto started = rt.docker->start(); !started) {
    log::error("docker provider not started: " + started.error().message);
    return false;
  }
  return true;
}

void onUser1(uv_signal_t* handle, int) {
  auto& rt = *static_cast<Runtime*>(handle->data);
  if (rt.access_log) {
    log::info("received SIGUSR1: reopening the access log");
    rt.access_log->reopen();
  }
}

Result<observability::AccessLogSettings> accessLogSettings(const config::AccessLog& al) {
  using observability::FieldMode;
  observability::AccessLogSettings s;
  s.file_path = al.file_path;
  std::string format = base::toLower(al.format);
  if (format == "json") {
    s.json = true;
  } else if (format == "genericclf") {
    s.generic_clf = true;
  } else if (format != "common" && !format.empty()) {
    return fail(Error::config("accessLog.format: \"" + al.format +
                              "\" is not a format (expected common, genericCLF or json)"));
  }
  s.buffering_size = static_cast<std::size_t>(std::max<std::int64_t>(al.buffering_size, 0));
  if (al.filters) {
    for (const std::string& code : al.filters->status_codes) {
      auto range = observability::parseStatusRange(code);
      if (!range) {
        return fail(range.error());
      }
      s.status_ranges.push_back(*range);
    }
    s.retry_attempts = al.filters->retry_attempts;
    s.min_duration_ns = al.filters->min_duration.count();
  }
  if (al.fields) {
    std::string bad;
    auto mode = [&](const std::string& text, FieldMode fallback) {
      auto m = observability::parseFieldMode(text);
      if (!m) {
        bad = m.error().message;
        return fallback;
      }
      return *m;
    };
    s.fields_default = mode(al.fields->default_mode, FieldMode::Keep);
    for (const auto& [name, m] : al.fields->names) {
      s.field_names[base::toLower(name)] = mode(m, FieldMode::Keep);
    }
    s.headers_default = mode(al.fields->headers.default_mode, FieldMode::Drop);
    for (const auto& [name, m] : al.fields->headers.names) {
      s.header_names[base::toLower(name)] = mode(m, FieldMode::Drop);
    }
    if (!bad.empty()) {
      return fail(Error::config(bad));
    }
  }
  return s;
}

// Liveness/readiness state, Prometheus metrics and access logs (issue #5), before the workers
// that use them.
bool startObservability(Runtime& rt, const config::StaticConfig& config,
                        const std::vector<std::string>& entry_points, std::size_t workers) {
  if (config.access_log) {
    auto settings = accessLogSettings(*config.access_log);
    if (!settings) {
      log::error(settings.error().message);
      return false;
    }
    auto opened = observability::AccessLog::open(std::move(*settings), workers);
    if (!opened) {
      log::error(opened.error().message);
      return false;
    }
    rt.access_log = std::move(*opened);
    rt.process.access_log = rt.access_log.get();
  }
  rt.health = std::make_unique<observability::Health>(workers);
  if (config.providers.file) {
    rt.health->expectProvider("file");
  }
  if (config.providers.docker) {
    rt.health->expectProvider("docker");
  }
  rt.process.health = rt.health.get();
  if (config.api) {
    rt.api = std::make_unique<observability::ApiDocuments>(config.api->dashboard);
    rt.process.api = rt.api.get();
  }
  const char* hooks = std::getenv("PIER_TEST_HOOKS");
  rt.process.test_hooks = hooks != nullptr && std::string_view(hooks) == "1";
  if (config.metrics && config.metrics->prometheus) {
    const config::Prometheus& p = *config.metrics->prometheus;
    observability::PrometheusSettings settings;
    settings.buckets = p.buckets;
    settings.add_entry_points_labels = p.add_entry_points_labels;
    settings.add_routers_labels = p.add_routers_labels;
    settings.add_services_labels = p.add_services_labels;
    settings.entry_point_names = entry_points;
    if (!p.header_labels.empty()) {
      log::warn("metrics.prometheus.headerLabels is not supported by Pier yet; ignored");
    }
    rt.metrics = std::make_unique<observability::MetricsRegistry>(std::move(settings), workers);
    rt.process.metrics = rt.metrics.get();
  } else if (config.api && config.api->dashboard) {
    // The dashboard's live rates come from the registry's per-router totals: without Prometheus,
    // a registry that records nothing else (no /metrics route exists to show it).
    observability::PrometheusSettings settings;
    settings.add_entry_points_labels = false;
    settings.add_routers_labels = false;
    settings.add_services_labels = false;
    settings.entry_point_names = entry_points;
    rt.metrics = std::make_unique<observability::MetricsRegistry>(std::move(settings), workers);
    rt.process.metrics = rt.metrics.get();
  }
  return true;
}

}  // namespace

int runServer(const config::StaticConfig& config) {
  Runtime rt;
  rt.config = &config;
  uv_loop_init(&rt.loop);
  rt.process.hostname = hostName();
  if (config.ping) {
    rt.process.terminating_status = config.ping->terminating_status_code;
  }
  std::size_t workers = config.workers > 0 ? static_cast<std::size_t>(config.workers)
                                           : std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::string> names;
  for (const auto& [name, ep] : config.entry_points) {
    if (ep.address.protocol != config::ListenAddress::Protocol::Tcp) {
      log::warn("entry point " + name + ": UDP entry points are not supported yet; skipped");
      continue;
    }
    auto settings = settingsFor(names.size(), name, ep, config);
    if (!settings) {
      log::error(settings.error().message);
      return 1;
    }
    auto bound = proxy::bindReusePort(name, ep.address.host, ep.address.port, workers);
    if (!bound) {
      log::error(bound.error().message);
      return 1;
    }
    rt.accept_grace =
        std::max(rt.accept_grace, ms(ep.transport.life_cycle.request_accept_grace_timeout));
    rt.grace.push_back(ms(ep.transport.life_cycle.grace_time_out));
    rt.entry_points.push_back(std::move(*settings));
    rt.sockets.push_back(std::move(*bound));
    names.push_back(name);
    log::info("entry point " + name + " listening on " + ep.address.text + " (port " +
              std::to_string(rt.sockets.back().port) + ")");
  }
  if (!startObservability(rt, config, names, workers)) {
    uv_loop_close(&rt.loop);
    return 1;
  }
  if (!startWorkers(rt, workers)) {
    stopWorkersAndLoop(rt);
    uv_run(&rt.loop, UV_RUN_DEFAULT);
    uv_loop_close(&rt.loop);
    return 1;
  }
  log::info("started " + std::to_string(workers) + " workers");
  rt.health->setListenersBound();

  rt.control_mailbox = std::make_unique<core::Mailbox>(&rt.loop);
  // Runs on the health thread; `rt` outlives it (stopWorkersAndLoop joins it).
  rt.health_checker = health::HealthThread::start([&rt] {
    if (rt.api_rerender_pending.exchange(true)) {
      return;  // a re-render is already queued: it will read the latest flags
    }
    rt.control_mailbox->post([&rt] {
      rt.api_rerender_pending.store(false);
      if (rt.control) {
        rt.control->republishApi();  // serverStatus UP/DOWN
      }
    });
  });
  rt.control = std::make_unique<ControlPlane>(
      config, names, [&rt](runtime::SnapshotConstSharedPtr s) { publishToWorkers(rt, s); });
  rt.control->setObservers(rt.metrics.get(), rt.health.get(), rt.api.get());
  rt.control->rebuild();  // internal routers (ping, redirections) before any provider

  for (uv_signal_t* s : {&rt.sig_term, &rt.sig_int, &rt.sig_hup, &rt.sig_usr1}) {
    uv_signal_init(&rt.loop, s);
    s->data = &rt;
  }
  uv_signal_start(&rt.sig_term, &onStopSignal, SIGTERM);
  uv_signal_start(&rt.sig_int, &onStopSignal, SIGINT);
  uv_signal_start(&rt.sig_hup, &onHangup, SIGHUP);
  uv_signal_start(&rt.sig_usr1, &onUser1, SIGUSR1);
  uv_timer_init(&rt.loop, &rt.shutdown_timer);
  rt.shutdown_timer.data = &rt;
  uv_timer_init(&rt.loop, &rt.cert_poll_timer);
  rt.cert_poll_timer.data = &rt;
  uv_timer_start(
      &rt.cert_poll_timer,
      [](uv_timer_t* t) { static_cast<Runtime*>(t->data)->control->pollCertificateFiles(); },
      kCertificatePollMs, kCertificatePollMs);

  if (config.providers.file) {
    const auto& fp = *config.providers.file;
    rt.file_throttle = std::make_unique<control::Throttle>(
        &rt.loop, ms(config.providers.providers_throttle_duration),
        [&rt](const config::DynamicConfig& cfg) { rt.control->onProviderConfig("file", cfg); });
    rt.file_provider = std::make_unique<providers::FileProvider>(
        &rt.loop, providers::FileProviderSettings{fp.filename, fp.directory, fp.watch},
        [&rt](config::DynamicConfig cfg) { rt.file_throttle->push(std::move(cfg)); });
    rt.file_provider->start();
  }
  if (config.providers.docker) {
    startDockerProvider(rt, *config.providers.docker,
                        ms(config.providers.providers_throttle_duration));
  }

  uv_run(&rt.loop, UV_RUN_DEFAULT);
  for (auto& s : rt.sockets) {
    (void)s;  // the fds were adopted by the workers' listeners and closed with them
  }
  rt.file_provider.reset();
  rt.file_throttle.reset();
  rt.docker.reset();
  rt.docker_throttle.reset();
  rt.curl.reset();
  if (rt.access_log) {
    rt.access_log->stop();  // the workers have flushed: write every line still queued
  }
  uv_run(&rt.loop, UV_RUN_DEFAULT);
  if (uv_loop_close(&rt.loop) != 0) {
    log::error("control loop closed with handles still open");
  }
  log::info("shutdown complete");
  return 0;
}

}  // namespace pier::app
