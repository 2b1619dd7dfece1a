// What a worker needs to know about one HTTP entry point, derived once from the static config.
// Immutable after start; read by every worker.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "http/forwarded.h"

namespace pier::proxy {

using Millis = std::chrono::milliseconds;

struct EntryPointSettings {
  std::size_t index = 0;
  std::string name;
  http::ForwardedPolicy forwarded;
  Millis read_timeout{60000};   // 0 = none
  Millis write_timeout{0};      // 0 = none
  Millis idle_timeout{180000};  // 0 = none
  std::size_t max_header_bytes = 1 << 20;
  bool sanitize_path = true;
  bool encode_query_semicolons = false;
  std::uint64_t keep_alive_max_requests = 0;  // 0 = unlimited
};

}  // namespace pier::proxy
