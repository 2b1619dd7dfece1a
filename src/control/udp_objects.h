// Pier does not forward UDP (UDP entry points are skipped): every UDP router and service of
// the dynamic configuration is reported disabled, so the API and the log say why it is inert.
#pragma once

#include "config/dynamic_model.h"
#include "control/build_report.h"

namespace pier::control {

void reportUdpObjects(const config::UdpConfig& udp, BuildReport& report);

}  // namespace pier::control
