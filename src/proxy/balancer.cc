#include "proxy/balancer.h"

namespace pier::proxy {

void Balancer::reconcile(const runtime::ServiceSpec& service) {
  bool same = urls_.size() == service.servers.size();
  for (std::size_t i = 0; same && i < urls_.size(); ++i) {
    same = urls_[i] == service.servers[i].url;
  }
  if (same) {
    return;
  }
  urls_.clear();
  for (const auto& s : service.servers) {
    urls_.push_back(s.url);
  }
  current_.assign(service.servers.size(), 0);
}

int Balancer::pick(const runtime::ServiceSpec& service) {
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
    current_[i] += servers[i].weight;
    total += servers[i].weight;
    if (best < 0 || current_[i] > current_[static_cast<std::size_t>(best)]) {
      best = static_cast<int>(i);
    }
  }
  current_[static_cast<std::size_t>(best)] -= total;
  return best;
}

}  // namespace pier::proxy
