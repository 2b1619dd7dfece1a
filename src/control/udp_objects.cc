#include "control/udp_objects.h"

namespace pier::control {

void reportUdpObjects(const config::UdpConfig& udp, BuildReport& report) {
  constexpr const char* kWhy = "UDP is not supported by Pier; ignored";
  for (const auto& [name, router] : udp.routers) {
    report.error(ObjectKind::UdpRouter, name, kWhy);
  }
  for (const auto& [name, service] : udp.services) {
    report.error(ObjectKind::UdpService, name, kWhy);
  }
}

}  // namespace pier::control
