#include "providers/docker/docker_provider.h"

#include <algorithm>

#include "base/log.h"

namespace pier::providers::docker {
namespace {

std::string shortId(const std::string& id) {
  return id.substr(0, 12);
}

}  // namespace

DockerProvider::DockerProvider(uv_loop_t* loop, CurlMulti& curl, EngineSettings engine,
                               DockerProviderOptions options, Emit emit)
    : loop_(loop),
      curl_(curl),
      engine_settings_(std::move(engine)),
      options_(options),
      emit_(std::move(emit)) {
  status_.endpoint = engine_settings_.endpoint;
}

DockerProvider::~DockerProvider() {
  stop();
}

uv_timer_t* DockerProvider::makeTimer() {
  auto* t = new uv_timer_t();
  uv_timer_init(loop_, t);
  t->data = this;
  return t;
}

void DockerProvider::closeTimer(uv_timer_t*& timer) {
  if (timer == nullptr) {
    return;
  }
  uv_timer_stop(timer);
  timer->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(timer),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
  timer = nullptr;
}

Result<void> DockerProvider::start() {
  auto client = EngineClient::create(curl_, engine_settings_);
  if (!client) {
    return fail(client.error());
  }
  engine_ = std::move(*client);
  coalesce_timer_ = makeTimer();
  backoff_timer_ = makeTimer();
  backoff_ = options_.backoff_initial;
  connect();
  return {};
}

void DockerProvider::stop() {
  ++session_;
  phase_ = Phase::Idle;
  if (engine_) {
    engine_->cancelAll();
  }
  closeTimer(coalesce_timer_);
  closeTimer(backoff_timer_);
}

void DockerProvider::connect() {
  std::uint64_t session = ++session_;
  phase_ = Phase::Connecting;
  dirty_.clear();
  removed_.clear();
  fresh_.clear();
  outstanding_ = 0;
  round_in_flight_ = false;
  uv_timer_stop(coalesce_timer_);
  engine_->version([this, session](Result<EngineVersion> v) {
    if (session != session_) {
      return;
    }
    if (!v) {
      return failSession(session, v.error());
    }
    status_.api_version = engine_->apiVersion();
    status_.daemon_version = v->version;
    if (!options_.watch) {
      return resync(session);
    }
    phase_ = Phase::Subscribing;
    // Subscribe before listing so that no change between the list and the subscription is lost.
    engine_->events([this, session] { resync(session); },
                    [this, session](EngineEvent ev) { onEvent(session, ev); },
                    [this, session](Error e) { failSession(session, e); });
  });
}

void DockerProvider::resync(std::uint64_t session) {
  if (session != session_) {
    return;
  }
  phase_ = Phase::Resyncing;
  engine_->listContainers([this, session](Result<std::vector<ContainerSummary>> list) {
    if (session != session_) {
      return;
    }
    if (!list) {
      return failSession(session, list.error());
    }
    fresh_.clear();
    // Events seen so far are covered by this full inspection.
    dirty_.clear();
    removed_.clear();
    outstanding_ = list->size();
    if (outstanding_ == 0) {
      return onInspected(session, "", std::optional<ContainerInfo>(), /*full=*/true);
    }
    outstanding_ += 1;  // guard: no completion before every inspect is started
    for (const ContainerSummary& c : *list) {
      std::string id = c.id;
      engine_->inspect(id, [this, session, id](Result<std::optional<ContainerInfo>> r) {
        onInspected(session, id, std::move(r), /*full=*/true);
      });
    }
    onInspected(session, "", std::optional<ContainerInfo>(), /*full=*/true);
  });
}

void DockerProvider::onInspected(std::uint64_t session, const std::string& id,
                                 Result<std::optional<ContainerInfo>> r, bool full) {
  if (session != session_) {
    return;
  }
  if (!r) {
    if (r.error().source == ErrorSource::Environment) {
      return failSession(session, r.error());  // the daemon is gone: keep the last good list
    }
    // The daemon answered but not for this container: skip it, as Traefik does (spec B.1).
    log::warn("docker: cannot inspect container " + shortId(id) + ": " + r.error().message);
  }
  auto& target = full ? fresh_ : containers_;
  if (!id.empty() && r) {
    if (r->has_value()) {
      target[id] = std::move(**r);
    } else {
      target.erase(id);  // 404: the container is gone
    }
    round_changed_ = true;
  }  // an Upstream error skips the container in a resync and keeps its last facts in a round
  if (outstanding_ > 0 && --outstanding_ > 0) {
    return;
  }
  if (!full) {
    return finishRound();
  }
  containers_ = std::move(fresh_);
  fresh_.clear();
  phase_ = options_.watch ? Phase::Live : Phase::Done;
  session_live_since_ = std::chrono::steady_clock::now();
  if (outage_logged_ || !ever_synced_) {
    log::info("docker: connected to the Docker daemon at " + engine_settings_.endpoint +
              " (Docker " + status_.daemon_version + ", API " + status_.api_version + "); " +
              std::to_string(containers_.size()) + " containers");
  }
  outage_logged_ = false;
  ever_synced_ = true;
  backoff_ = options_.backoff_initial;
  setStatus(true, "");
  emitNow();
  if (phase_ == Phase::Done) {
    return;  // watch=false: listed once, never again (spec A.8)
  }
  if (!dirty_.empty() || !removed_.empty()) {
    scheduleRound();
  }
}

void DockerProvider::onEvent(std::uint64_t session, const EngineEvent& ev) {
  if (session != session_) {
    return;
  }
  EventEffect effect = classifyEvent(ev);
  if (effect == EventEffect::None) {
    return;
  }
  log::debug("docker: event " + ev.type + " " + ev.action + " " + shortId(ev.container_id));
  if (effect == EventEffect::Remove) {
    dirty_.erase(ev.container_id);
    removed_.insert(ev.container_id);
  } else {
    removed_.erase(ev.container_id);
    dirty_.insert(ev.container_id);
  }
  if (phase_ == Phase::Live) {
    scheduleRound();
  }
  // During Subscribing/Resyncing the marks wait: the resync covers them, or finishes first
  // and schedules a round.
}

void DockerProvider::scheduleRound() {
  if (round_in_flight_ || coalesce_timer_ == nullptr ||
      uv_is_active(reinterpret_cast<uv_handle_t*>(coalesce_timer_))) {
    return;
  }
  uv_timer_start(
      coalesce_timer_,
      [](uv_timer_t* t) {
        if (auto* self = static_cast<DockerProvider*>(t->data)) {
          self->runRound();
        }
      },
      static_cast<std::uint64_t>(options_.coalesce.count()), 0);
}

void DockerProvider::runRound() {
  if (phase_ != Phase::Live || round_in_flight_) {
    return;
  }
  std::set<std::string> dirty;
  std::set<std::string> removed;
  dirty.swap(dirty_);
  removed.swap(removed_);
  round_changed_ = false;
  for (const std::string& id : removed) {
    round_changed_ = containers_.erase(id) > 0 || round_changed_;
  }
  if (dirty.empty()) {
    return finishRound();
  }
  round_in_flight_ = true;
  outstanding_ = dirty.size() + 1;  // guard, as in resync()
  std::uint64_t session = session_;
  for (const std::string& id : dirty) {
    engine_->inspect(id, [this, session, id](Result<std::optional<ContainerInfo>> r) {
      onInspected(session, id, std::move(r), /*full=*/false);
    });
  }
  onInspected(session, "", std::optional<ContainerInfo>(), /*full=*/false);
}

void DockerProvider::finishRound() {
  round_in_flight_ = false;
  if (round_changed_) {
    emitNow();
  }
  if (!dirty_.empty() || !removed_.empty()) {
    scheduleRound();  // events that arrived during the round
  }
}

void DockerProvider::emitNow() {
  std::vector<ContainerInfo> list;
  list.reserve(containers_.size());
  for (const auto& [id, c] : containers_) {
    list.push_back(c);
  }
  std::sort(list.begin(), list.end(), [](const ContainerInfo& a, const ContainerInfo& b) {
    return a.name != b.name ? a.name < b.name : a.id < b.id;
  });
  status_.containers = list.size();
  status_.last_success = std::chrono::system_clock::now();
  ++status_.emitted;
  emit_(list);
}

void DockerProvider::failSession(std::uint64_t session, const Error& error) {
  if (session != session_ || phase_ == Phase::Backoff || phase_ == Phase::Idle) {
    return;
  }
  bool was_live = phase_ == Phase::Live;
  ++session_;  // ignore whatever else is still in flight
  engine_->cancelAll();
  uv_timer_stop(coalesce_timer_);
  round_in_flight_ = false;
  phase_ = Phase::Backoff;
  auto now = std::chrono::steady_clock::now();
  if (was_live && now - session_live_since_ >= options_.backoff_reset_after) {
    backoff_ = options_.backoff_initial;
  }
  std::string what = was_live ? "lost the Docker daemon at " : "cannot reach the Docker daemon at ";
  std::string line = "docker: " + what + engine_settings_.endpoint + ": " + error.message +
                     "; will retry (keeping the last Docker configuration)";
  if (!outage_logged_) {
    log::error(line);
    outage_logged_ = true;
  } else {
    log::debug(line + " in " + std::to_string(backoff_.count()) + " ms");
  }
  setStatus(false, error.message);
  uv_timer_start(
      backoff_timer_,
      [](uv_timer_t* t) {
        if (auto* self = static_cast<DockerProvider*>(t->data)) {
          self->connect();
        }
      },
      static_cast<std::uint64_t>(backoff_.count()), 0);
  backoff_ = std::min(backoff_ * 2, options_.backoff_max);
}

void DockerProvider::setStatus(bool connected, const std::string& error) {
  bool changed = connected != status_.connected || error != status_.last_error;
  status_.connected = connected;
  status_.last_error = error;
  if (!error.empty()) {
    status_.last_error_time = std::chrono::system_clock::now();
  }
  if (changed && on_status_) {
    on_status_(status_);
  }
}

}  // namespace pier::providers::docker
