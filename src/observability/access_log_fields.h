// Values both access-log formats derive from an entry the same way (internal to the formats).
#pragma once

#include <string_view>

#include "observability/access_log.h"

namespace pier::observability::detail {

inline std::string_view protocolText(int minor) {
  return minor == 0 ? "HTTP/1.0" : "HTTP/1.1";
}

inline std::string_view clientHost(const AccessLogEntry& e) {
  return e.forwarded_for.empty() ? e.client_ip : e.forwarded_for;
}

// host:port split as Go's net.SplitHostPort; both empty on failure.
inline void splitHostPort(std::string_view addr, std::string_view& host, std::string_view& port) {
  host = addr;
  port = {};
  std::size_t colon = addr.rfind(':');
  if (colon == std::string_view::npos) {
    host = {};
    return;
  }
  if (addr.find(']') != std::string_view::npos && addr.find(']') > colon) {
    host = {};
    return;
  }
  host = addr.substr(0, colon);
  if (!host.empty() && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  port = addr.substr(colon + 1);
}

}  // namespace pier::observability::detail
