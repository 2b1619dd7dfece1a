#include "runtime/service_status.h"

namespace pier::runtime {
namespace {

// The builder rejects cycles; the depth cap only bounds the walk if that ever broke.
constexpr int kMaxDepth = 64;

bool upAt(const Snapshot& snapshot, std::uint32_t index, int depth) {
  if (index >= snapshot.services.size() || depth > kMaxDepth) {
    return false;
  }
  const ServiceSpec& s = snapshot.services[index];
  switch (s.kind) {
    case ServiceKind::LoadBalancer:
      return s.anyServerUp();
    case ServiceKind::Weighted:
      if (s.composite == nullptr) {
        return false;
      }
      for (const WeightedChild& c : s.composite->children) {
        if (upAt(snapshot, c.service, depth + 1)) {
          return true;
        }
      }
      return false;
    case ServiceKind::Mirroring:
      return s.composite != nullptr && upAt(snapshot, s.composite->main, depth + 1);
    case ServiceKind::Failover:
      return s.composite != nullptr && (upAt(snapshot, s.composite->main, depth + 1) ||
                                        upAt(snapshot, s.composite->fallback, depth + 1));
    default:
      return true;
  }
}

}  // namespace

bool serviceUp(const Snapshot& snapshot, std::uint32_t service) {
  return upAt(snapshot, service, 0);
}

}  // namespace pier::runtime
