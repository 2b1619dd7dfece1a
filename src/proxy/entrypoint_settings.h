// What a worker needs to know about one HTTP entry point, derived once from the static config.
// Immutable after start; read by every worker.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "http/forwarded.h"

namespace pier::proxy {

using Millis = std::chrono::milliseconds;

enum class UnderscoreHeaders : std::uint8_t { Keep, Delete, Reject };

// http.encodedCharacters (spec A.7): which percent-encoded characters a raw path may carry.
struct EncodedCharacterPolicy {
  bool slash = true;           // %2F
  bool back_slash = true;      // %5C
  bool null_character = true;  // %00
  bool semicolon = true;       // %3B
  bool percent = true;         // %25
  bool question_mark = true;   // %3F
  bool hash = true;            // %23
  bool allowsAll() const {
    return slash && back_slash && null_character && semicolon && percent && question_mark && hash;
  }
};

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
  Millis keep_alive_max_time{0};              // 0 = unlimited
  UnderscoreHeaders underscore_headers = UnderscoreHeaders::Keep;
  EncodedCharacterPolicy encoded;
  // proxyProtocol (spec A.7): a PROXY v1/v2 header from these peers names the real client.
  bool proxy_protocol = false;
  bool proxy_protocol_insecure = false;  // trust every peer
  base::IpRangeSet proxy_protocol_trusted;
};

}  // namespace pier::proxy
