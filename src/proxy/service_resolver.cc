#include "proxy/service_resolver.h"

#include "http/cookie.h"
#include "runtime/service_status.h"
#include "runtime/sticky_cookie.h"

namespace pier::proxy {
namespace {

// The builder rejects cycles; the cap only bounds the walk should that ever break.
constexpr int kMaxDepth = 64;

// The target named by the request's sticky cookie, and whether the cookie must be rewritten.
struct StickyHit {
  std::size_t target = 0;
  bool rewrite = false;
};

std::optional<StickyHit> stickyTarget(const runtime::StickyCookieSpec& cookie,
                                      const http::HeaderMap& headers) {
  auto value = http::findCookie(headers, cookie.name);
  if (!value) {
    return std::nullopt;
  }
  auto match = runtime::matchStickyValue(cookie, *value);
  if (!match) {
    return std::nullopt;
  }
  return StickyHit{match->target, match->legacy};
}

class Walk {
 public:
  Walk(const runtime::Snapshot& snapshot, const http::HeaderMap& headers, ServiceCursors& cursors,
       bool choose_mirrors)
      : snapshot_(snapshot),
        headers_(headers),
        cursors_(cursors),
        choose_mirrors_(choose_mirrors) {}

  Resolution run(std::uint32_t service) {
    visit(service, 0);
    return std::move(out_);
  }

 private:
  void visit(std::uint32_t index, int depth) {
    if (index >= snapshot_.services.size() || depth > kMaxDepth) {
      out_.outcome = Resolution::Outcome::NoAvailableServer;
      return;
    }
    const runtime::ServiceSpec& s = snapshot_.services[index];
    switch (s.kind) {
      case runtime::ServiceKind::LoadBalancer:
        return leaf(index, s);
      case runtime::ServiceKind::Weighted:
        return weighted(index, s, depth);
      case runtime::ServiceKind::Mirroring:
        return mirroring(index, s, depth);
      case runtime::ServiceKind::Failover:
        return failover(s, depth);
      default:
        out_.outcome = Resolution::Outcome::NoAvailableServer;  // rejected by the builder
        return;
    }
  }

  void leaf(std::uint32_t index, const runtime::ServiceSpec& s) {
    int server = -1;
    bool set_cookie = s.sticky != nullptr;
    if (s.sticky != nullptr) {
      if (auto hit = stickyTarget(*s.sticky, headers_);
          hit && hit->target < s.servers.size() && s.serverUp(hit->target)) {
        server = static_cast<int>(hit->target);
        set_cookie = hit->rewrite;
      }
    }
    if (server < 0) {
      server = cursors_.balancer(index).pick(s);
    }
    if (server < 0) {
      out_.outcome = Resolution::Outcome::NoAvailableServer;
      return;
    }
    if (set_cookie) {
      out_.set_cookies.push_back(
          http::renderSetCookie(s.sticky->name, s.sticky->values[static_cast<std::size_t>(server)],
                                s.sticky->attributes));
    }
    out_.outcome = Resolution::Outcome::Forward;
    out_.leaf = &s;
    out_.server = server;
  }

  void weighted(std::uint32_t index, const runtime::ServiceSpec& s, int depth) {
    const auto& children = s.composite->children;
    std::vector<bool> up(children.size());
    for (std::size_t i = 0; i < children.size(); ++i) {
      up[i] = runtime::serviceUp(snapshot_, children[i].service);
    }
    int chosen = -1;
    bool set_cookie = s.sticky != nullptr;
    if (s.sticky != nullptr) {
      if (auto hit = stickyTarget(*s.sticky, headers_);
          hit && hit->target < children.size() && up[hit->target]) {
        chosen = static_cast<int>(hit->target);
        set_cookie = hit->rewrite;
      }
    }
    if (chosen < 0) {
      std::vector<int> weights;
      weights.reserve(children.size());
      for (const auto& c : children) {
        weights.push_back(c.weight);
      }
      chosen = smoothWeightedPick(cursors_.cursor(index).current, weights, up);
    }
    if (chosen < 0) {
      out_.outcome = Resolution::Outcome::NoAvailableServer;
      return;
    }
    if (set_cookie) {
      out_.set_cookies.push_back(
          http::renderSetCookie(s.sticky->name, s.sticky->values[static_cast<std::size_t>(chosen)],
                                s.sticky->attributes));
    }
    visit(children[static_cast<std::size_t>(chosen)].service, depth + 1);
  }

  void mirroring(std::uint32_t index, const runtime::ServiceSpec& s, int depth) {
    const runtime::CompositeSpec& c = *s.composite;
    if (choose_mirrors_ && !c.mirrors.empty()) {
      CompositeCursor& cursor = cursors_.cursor(index);
      if (cursor.mirrored.size() != c.mirrors.size()) {
        cursor.mirrored.assign(c.mirrors.size(), 0);
        cursor.requests = 0;
      }
      ++cursor.requests;
      for (std::size_t i = 0; i < c.mirrors.size(); ++i) {
        if (takeMirror(cursor.requests, cursor.mirrored[i], c.mirrors[i].percent)) {
          out_.mirrors.push_back(MirrorPlan{c.mirrors[i].service, c.mirror_body, c.max_body_size});
        }
      }
    }
    visit(c.main, depth + 1);
  }

  void failover(const runtime::ServiceSpec& s, int depth) {
    const runtime::CompositeSpec& c = *s.composite;
    if (runtime::serviceUp(snapshot_, c.main)) {
      return visit(c.main, depth + 1);
    }
    if (runtime::serviceUp(snapshot_, c.fallback)) {
      return visit(c.fallback, depth + 1);
    }
    out_.outcome = Resolution::Outcome::Unavailable;
  }

  const runtime::Snapshot& snapshot_;
  const http::HeaderMap& headers_;
  ServiceCursors& cursors_;
  bool choose_mirrors_;
  Resolution out_;
};

}  // namespace

void CompositeCursors::install(const runtime::Snapshot* previous, const runtime::Snapshot& next) {
  std::unordered_map<std::string, CompositeCursor> by_name;
  if (previous != nullptr) {
    for (std::size_t i = 0; i < previous->services.size() && i < cursors_.size(); ++i) {
      if (previous->services[i].composite != nullptr) {
        by_name.emplace(previous->services[i].name, std::move(cursors_[i]));
      }
    }
  }
  cursors_.clear();
  cursors_.resize(next.services.size());
  for (std::size_t i = 0; i < next.services.size(); ++i) {
    if (next.services[i].composite == nullptr) {
      continue;
    }
    if (auto it = by_name.find(next.services[i].name); it != by_name.end()) {
      cursors_[i] = std::move(it->second);  // sizes are checked again at use
    }
  }
}

CompositeCursor& CompositeCursors::at(std::size_t service_index) {
  if (service_index >= cursors_.size()) {
    cursors_.resize(service_index + 1);
  }
  return cursors_[service_index];
}

Resolution resolveService(const runtime::Snapshot& snapshot, std::uint32_t service,
                          const http::HeaderMap& headers, ServiceCursors& cursors,
                          bool choose_mirrors) {
  return Walk(snapshot, headers, cursors, choose_mirrors).run(service);
}

int smoothWeightedPick(std::vector<std::int64_t>& current, const std::vector<int>& weights,
                       const std::vector<bool>& eligible) {
  if (current.size() != weights.size()) {
    current.assign(weights.size(), 0);
  }
  std::int64_t total = 0;
  int best = -1;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (i >= eligible.size() || !eligible[i]) {
      continue;
    }
    current[i] += weights[i];
    total += weights[i];
    if (best < 0 || current[i] > current[static_cast<std::size_t>(best)]) {
      best = static_cast<int>(i);
    }
  }
  if (best >= 0) {
    current[static_cast<std::size_t>(best)] -= total;
  }
  return best;
}

bool takeMirror(std::uint64_t requests, std::uint64_t& mirrored, int percent) {
  if (percent <= 0 || mirrored * 100 >= requests * static_cast<std::uint64_t>(percent)) {
    return false;
  }
  ++mirrored;
  return true;
}

}  // namespace pier::proxy
