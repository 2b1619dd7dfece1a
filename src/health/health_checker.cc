#include "health/health_checker.h"

#include <algorithm>
#include <vector>

#include "base/log.h"
#include "health/probe.h"

namespace pier::health {

std::unique_ptr<HealthChecker> HealthChecker::create(uv_loop_t* loop, OnTransition on_transition) {
  auto curl = providers::CurlMulti::create(loop);
  if (curl == nullptr) {
    log::error("health checks disabled: libcurl could not be initialised");
    return nullptr;
  }
  return std::unique_ptr<HealthChecker>(
      new HealthChecker(loop, std::move(curl), std::move(on_transition)));
}

HealthChecker::HealthChecker(uv_loop_t* loop, std::unique_ptr<providers::CurlMulti> curl,
                             OnTransition on_transition)
    : loop_(loop), curl_(std::move(curl)), on_transition_(std::move(on_transition)) {
  timer_ = new uv_timer_t();
  uv_timer_init(loop_, timer_);
  timer_->data = this;
}

HealthChecker::~HealthChecker() {
  curl_.reset();  // cancels every probe: no callback runs after this
  timer_->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(timer_),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
}

void HealthChecker::update(const runtime::Snapshot& snapshot) {
  std::map<Key, Target> next;
  std::vector<std::pair<Key, Target*>> fresh;  // new targets, maybe replacing a dropped one
  Clock::time_point now = Clock::now();
  for (const runtime::ServiceSpec& svc : snapshot.services) {
    if (svc.health == nullptr || svc.health->check == nullptr) {
      continue;
    }
    for (std::size_t i = 0; i < svc.servers.size() && i < svc.health->count; ++i) {
      Key key{svc.health.get(), i};
      auto old = targets_.find(key);
      if (old != targets_.end()) {
        next.emplace(key, std::move(old->second));
        targets_.erase(old);
        continue;
      }
      Target t;
      t.service = svc.name;
      t.server = svc.servers[i];
      t.health = svc.health;
      t.index = i;
      t.due = now + probeInterval(*svc.health->check, svc.serverUp(i));
      auto [it, inserted] = next.emplace(key, std::move(t));
      if (inserted) {
        fresh.emplace_back(key, &it->second);
      }
    }
  }
  // What is left in targets_ is dropped. A dropped server that lives on under new flags with
  // the same check hands over its latest state (the builder's copy may predate a probe).
  bool changed = false;
  if (!fresh.empty() && !targets_.empty()) {
    std::map<std::pair<std::string, std::string>, const Target*> dropped;
    for (const auto& [key, gone] : targets_) {
      dropped.emplace(std::make_pair(gone.service, gone.server.url), &gone);
    }
    for (auto& [key, t] : fresh) {
      auto d = dropped.find(std::make_pair(t->service, t->server.url));
      if (d == dropped.end() || !(*d->second->health->check == *t->health->check)) {
        continue;
      }
      bool up = d->second->health->up[d->second->index].load(std::memory_order_relaxed);
      changed |= t->health->up[t->index].exchange(up, std::memory_order_relaxed) != up;
      t->due = now + probeInterval(*t->health->check, up);
    }
  }
  for (auto& [key, gone] : targets_) {
    if (gone.in_flight != 0) {
      curl_->cancel(gone.in_flight);
    }
  }
  targets_ = std::move(next);
  arm();
  if (changed && on_transition_) {
    on_transition_();  // the API rendered this generation with the builder's older copy
  }
}

void HealthChecker::arm() {
  uv_timer_stop(timer_);
  Clock::time_point earliest = Clock::time_point::max();
  for (const auto& [key, t] : targets_) {
    if (t.in_flight == 0) {
      earliest = std::min(earliest, t.due);
    }
  }
  if (earliest == Clock::time_point::max()) {
    return;
  }
  auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(earliest - Clock::now());
  uv_timer_start(
      timer_,
      [](uv_timer_t* h) {
        if (h->data != nullptr) {
          static_cast<HealthChecker*>(h->data)->onTimer();
        }
      },
      static_cast<std::uint64_t>(std::max<std::int64_t>(wait.count(), 0)), 0);
}

void HealthChecker::onTimer() {
  Clock::time_point now = Clock::now();
  for (auto& [key, t] : targets_) {
    if (t.in_flight == 0 && t.due <= now) {
      startProbe(key, t);
    }
  }
  arm();
}

void HealthChecker::startProbe(const Key& key, Target& t) {
  const runtime::HealthCheckSpec& check = *t.health->check;
  // The next probe is one interval after this one starts, whatever the answer takes.
  t.started = Clock::now();
  t.due = t.started + probeInterval(check, t.health->up[t.index].load());
  auto url = probeUrl(check, t.server);
  if (!url) {
    finishProbe(key, false, url.error().message);
    return;
  }
  providers::HttpRequest req;
  req.url = std::move(*url);
  req.method = check.method;
  req.headers = check.headers;
  if (!check.hostname.empty()) {
    req.headers.emplace_back("Host", check.hostname);
  }
  req.timeout = check.timeout;
  req.connect_timeout = check.timeout;
  req.follow_redirects = check.follow_redirects;
  if (req.url.starts_with("https:")) {
    providers::HttpTls tls;
    tls.ca = check.root_ca;
    tls.insecure_skip_verify = check.insecure_skip_verify;
    req.tls = std::move(tls);
  }
  int expected = check.status;
  t.in_flight = curl_->start(
      std::move(req), [](std::string_view) {},  // the body is not looked at
      [this, key, expected](Result<providers::HttpResponse> r) {
        auto it = targets_.find(key);
        if (it == targets_.end()) {
          return;
        }
        it->second.in_flight = 0;
        if (!r) {
          finishProbe(key, false, "HTTP request failed: " + r.error().message);
        } else {
          std::string why = statusProblem(expected, r->status);
          finishProbe(key, why.empty(), why);
        }
        arm();
      });
}

void HealthChecker::finishProbe(const Key& key, bool healthy, const std::string& why) {
  Target& t = targets_.at(key);
  bool was = t.health->up[t.index].exchange(healthy, std::memory_order_relaxed);
  if (was == healthy) {
    if (!healthy) {
      log::debug("health check of " + t.server.url + " (service " + t.service +
                 ") still failing: " + why);
    }
    return;
  }
  if (healthy) {
    log::info("health check: server " + t.server.url + " of service " + t.service + " is UP again");
  } else {
    log::warn("health check: server " + t.server.url + " of service " + t.service +
              " is DOWN: " + why);
  }
  // A down server is probed at unhealthyInterval from now on (and vice versa).
  t.due = t.started + probeInterval(*t.health->check, healthy);
  // Must not call update() (onTimer is iterating the targets).
  if (on_transition_) {
    on_transition_();
  }
}

}  // namespace pier::health
