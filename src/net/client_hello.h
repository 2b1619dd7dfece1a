// Reads the routing facts of a TLS ClientHello (SNI, ALPN) from the first bytes a client sent,
// without consuming them: the classifier decides from these whether to pass the bytes through
// untouched, terminate TLS, or treat the connection as plain TCP or HTTP (spec C.5).
// Pure function over a byte prefix; bounded: a ClientHello larger than kMaxClientHelloBytes is
// Malformed.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace pier::net {

inline constexpr std::size_t kMaxClientHelloBytes = 64 * 1024;

enum class HelloStatus {
  NeedMore,   // a prefix of a TLS handshake record: read more
  NotTls,     // first byte is not a handshake record (plain TCP or HTTP)
  Tls,        // a complete ClientHello was parsed
  Malformed,  // starts like TLS but is not a valid ClientHello
};

struct ClientHelloInfo {
  std::string sni;                // lower-cased, trailing dot removed; empty when absent
  std::vector<std::string> alpn;  // as offered, in order
  bool offers_tls13 = false;      // supported_versions lists 0x0304
};

struct HelloPeek {
  HelloStatus status = HelloStatus::NeedMore;
  ClientHelloInfo info;  // valid when status == Tls
};

HelloPeek peekClientHello(std::string_view bytes);

}  // namespace pier::net
