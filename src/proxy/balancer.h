// Smooth weighted round-robin (spec D.1 `wrr`): per worker, per service. Each pick adds every
// server's weight to its current value, takes the largest, and subtracts the total from it, so
// weights 5:1:1 give a a b a c a a rather than bursts. Works for HTTP and TCP services alike.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/snapshot.h"

namespace pier::proxy {

class Balancer {
 public:
  // Resets the cursor when the server list changed (the service name is kept by the caller).
  template <typename Service>
  void reconcile(const Service& service);
  // Returns the index of the next server, or -1 when the service has none, or none up (spec
  // D.3: servers an active health check found down are skipped; the rotation stays smooth and
  // weighted among the others).
  template <typename Service>
  int pick(const Service& service);

 private:
  static const std::string& idOf(const runtime::ServerSpec& s) { return s.url; }
  static const std::string& idOf(const runtime::TcpServerSpec& s) { return s.address; }

  std::vector<std::int64_t> current_;
  std::vector<std::string> ids_;  // to detect a changed server list across generations
};

template <typename Service>
void Balancer::reconcile(const Service& service) {
  bool same = ids_.size() == service.servers.size();
  for (std::size_t i = 0; same && i < ids_.size(); ++i) {
    same = ids_[i] == idOf(service.servers[i]);
  }
  if (same) {
    return;
  }
  ids_.clear();
  for (const auto& s : service.servers) {
    ids_.push_back(idOf(s));
  }
  current_.assign(service.servers.size(), 0);
}

template <typename Service>
int Balancer::pick(const Service& service) {
  const auto& servers = service.servers;
  if (servers.empty()) {
    return -1;
  }
  if (current_.size() != servers.size()) {
    reconcile(service);
  }
  std::int64_t total = 0;
  int best = -1;
  for (std::size_t i = 0; i < servers.size(); ++i) {
    if constexpr (requires { service.serverUp(i); }) {
      if (!service.serverUp(i)) {
        continue;  // down: neither chosen nor accumulating credit while out
      }
    }
    current_[i] += servers[i].weight;
    total += servers[i].weight;
    if (best < 0 || current_[i] > current_[static_cast<std::size_t>(best)]) {
      best = static_cast<int>(i);
    }
  }
  if (best < 0) {
    return -1;  // every server is down
  }
  current_[static_cast<std::size_t>(best)] -= total;
  return best;
}

}  // namespace pier::proxy
