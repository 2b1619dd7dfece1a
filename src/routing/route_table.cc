#include "routing/route_table.h"

#include <algorithm>
#include <map>
#include <set>

#include "base/strings.h"

namespace pier::routing {

namespace detail {

std::uint64_t HostIndex::hashHost(std::string_view s) {
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a over lower-cased bytes
  for (char c : s) {
    h ^= static_cast<unsigned char>(base::asciiLower(c));
    h *= 1099511628211ull;
  }
  return h ^ (h >> 29);
}

void HostIndex::fill(Table& table,
                     const std::vector<std::pair<std::string, std::vector<std::uint32_t>>>& from) {
  std::size_t capacity = 8;
  while (capacity < from.size() * 2) {
    capacity *= 2;
  }
  table.slots.assign(capacity, Slot{});
  table.size = from.size();
  for (const auto& [key, ids] : from) {
    Slot slot;
    slot.hash = hashHost(key);
    slot.key_offset = static_cast<std::uint32_t>(keys_.size());
    slot.key_size = static_cast<std::uint32_t>(key.size());
    keys_ += key;
    slot.ids.begin = static_cast<std::uint32_t>(ids_.size());
    ids_.insert(ids_.end(), ids.begin(), ids.end());
    slot.ids.end = static_cast<std::uint32_t>(ids_.size());
    std::size_t i = slot.hash & (capacity - 1);
    while (table.slots[i].key_size != kNone) {
      i = (i + 1) & (capacity - 1);
    }
    table.slots[i] = slot;
  }
}

HostIndex::Range HostIndex::lookup(const Table& table, std::string_view key) const {
  if (table.size == 0) {
    return Range{};
  }
  std::uint64_t h = hashHost(key);
  std::size_t mask = table.slots.size() - 1;
  for (std::size_t i = h & mask;; i = (i + 1) & mask) {
    const Slot& slot = table.slots[i];
    if (slot.key_size == kNone) {
      return Range{};
    }
    if (slot.hash == h && slot.key_size == key.size() &&
        base::iequals(std::string_view(keys_).substr(slot.key_offset, slot.key_size), key)) {
      return slot.ids;
    }
  }
}

void HostIndex::build(const std::vector<const HostConstraint*>& constraints) {
  std::map<std::string, std::vector<std::uint32_t>> exact;
  std::map<std::string, std::vector<std::uint32_t>> suffix;
  for (std::uint32_t i = 0; i < constraints.size(); ++i) {
    const HostConstraint& c = *constraints[i];
    if (c.any) {
      generic_.push_back(i);
      continue;
    }
    for (const std::string& h : c.exact) {
      exact[h].push_back(i);  // keys are lower-case already; i ascends, so buckets are sorted
    }
    for (const std::string& s : c.suffixes) {
      suffix[s].push_back(i);
    }
  }
  fill(exact_, {exact.begin(), exact.end()});
  fill(suffix_, {suffix.begin(), suffix.end()});
}

}  // namespace detail

namespace {

struct TieInput {
  std::int64_t priority;
  int provider_rank;
  const std::string* name;
  const HostConstraint* hosts;
};

// spec C.4: routers whose order only the name decides, and whose hosts may overlap.
std::vector<RouteTie> findTies(const std::vector<TieInput>& in) {
  std::vector<RouteTie> ties;
  for (std::size_t lo = 0; lo < in.size();) {
    std::size_t hi = lo + 1;
    while (hi < in.size() && in[hi].priority == in[lo].priority &&
           in[hi].provider_rank == in[lo].provider_rank) {
      ++hi;
    }
    if (hi - lo >= 2) {
      std::map<std::string_view, std::vector<std::size_t>> exact;
      std::map<std::string_view, std::vector<std::size_t>> suffix;
      bool any_unconstrained = false;
      for (std::size_t i = lo; i < hi; ++i) {
        any_unconstrained = any_unconstrained || in[i].hosts->any;
        for (const std::string& h : in[i].hosts->exact)
          exact[h].push_back(i);
        for (const std::string& s : in[i].hosts->suffixes)
          suffix[s].push_back(i);
      }
      std::set<std::size_t> tied;
      if (any_unconstrained) {
        for (std::size_t i = lo; i < hi; ++i)
          tied.insert(i);
      } else {
        for (auto* m : {&exact, &suffix}) {
          for (auto& [key, ids] : *m) {
            if (ids.size() > 1)
              tied.insert(ids.begin(), ids.end());
          }
        }
        for (auto& [host, ids] : exact) {  // a.x.com vs *.x.com
          std::size_t dot = host.find('.');
          if (dot == std::string_view::npos)
            continue;
          auto it = suffix.find(host.substr(dot + 1));
          if (it == suffix.end())
            continue;
          for (std::size_t s : it->second) {
            for (std::size_t e : ids) {
              if (s != e) {
                tied.insert(s);
                tied.insert(e);
              }
            }
          }
        }
      }
      if (tied.size() > 1) {
        RouteTie tie{in[lo].priority, in[lo].provider_rank, {}};
        for (std::size_t i : tied)
          tie.names.push_back(*in[i].name);
        ties.push_back(std::move(tie));
      }
    }
    lo = hi;
  }
  return ties;
}

template <typename Route>
void sortRoutes(std::vector<Route>& routes) {
  std::sort(routes.begin(), routes.end(), [](const Route& a, const Route& b) {
    if (a.priority != b.priority)
      return a.priority > b.priority;
    if (a.provider_rank != b.provider_rank)
      return a.provider_rank < b.provider_rank;
    return a.name < b.name;
  });
}

template <typename Route>
void indexRoutes(const std::vector<Route>& routes, detail::HostIndex& index,
                 std::vector<RouteTie>& ties, std::vector<std::uint8_t>& host_only) {
  std::vector<const HostConstraint*> constraints;
  std::vector<TieInput> tie_in;
  constraints.reserve(routes.size());
  tie_in.reserve(routes.size());
  for (const Route& r : routes) {
    constraints.push_back(&r.rule.hostConstraint());
    tie_in.push_back(TieInput{r.priority, r.provider_rank, &r.name, &r.rule.hostConstraint()});
  }
  index.build(constraints);
  ties = findTies(tie_in);
  host_only.clear();
  for (const Route& r : routes) {
    host_only.push_back(r.rule.program().exactHostsOnly() ? 1 : 0);
  }
}

}  // namespace

HttpRouteTable HttpRouteTable::build(std::vector<HttpRoute> routes) {
  HttpRouteTable t;
  t.routes_ = std::move(routes);
  sortRoutes(t.routes_);
  indexRoutes(t.routes_, t.index_, t.ties_, t.host_only_);
  return t;
}

const HttpRoute* HttpRouteTable::match(const http::RequestView& req) const {
  std::uint32_t i = index_.first(req.host, [&](std::uint32_t p, bool exact_hit) {
    return (exact_hit && host_only_[p] != 0) || routes_[p].rule.matches(req);
  });
  return i == detail::HostIndex::kNone ? nullptr : &routes_[i];
}

const HttpRoute* HttpRouteTable::matchLinear(const http::RequestView& req) const {
  for (const HttpRoute& r : routes_) {
    if (r.rule.matches(req)) {
      return &r;
    }
  }
  return nullptr;
}

TcpRouteTable TcpRouteTable::build(std::vector<TcpRoute> routes) {
  TcpRouteTable t;
  t.routes_ = std::move(routes);
  sortRoutes(t.routes_);
  indexRoutes(t.routes_, t.index_, t.ties_, t.host_only_);
  return t;
}

const TcpRoute* TcpRouteTable::match(const TcpRequestView& req) const {
  // HostSNI(`d`) never matches a connection without SNI, even when d normalizes to "".
  std::uint32_t i = index_.first(req.sni, [&](std::uint32_t p, bool exact_hit) {
    return (exact_hit && host_only_[p] != 0 && !req.sni.empty()) || routes_[p].rule.matches(req);
  });
  return i == detail::HostIndex::kNone ? nullptr : &routes_[i];
}

const TcpRoute* TcpRouteTable::matchLinear(const TcpRequestView& req) const {
  for (const TcpRoute& r : routes_) {
    if (r.rule.matches(req)) {
      return &r;
    }
  }
  return nullptr;
}

}  // namespace pier::routing
