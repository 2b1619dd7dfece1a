// PROXY protocol headers (HAProxy's v1 text and v2 binary formats) that tell a TCP backend who
// the real client is (spec D.6 proxyProtocol). Pure: the caller passes the two socket addresses.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace pier::net {

// `source` is the client's address, `destination` the address the client connected to. Returns
// an empty string for a version other than 1 or 2. Mixed or non-IP families give v1
// "PROXY UNKNOWN" / v2 LOCAL, as the format prescribes.
std::string proxyProtocolHeader(int version, const sockaddr* source, const sockaddr* destination);

enum class ProxyHeaderStatus {
  NeedMore,   // a prefix of a PROXY header
  NotProxy,   // the bytes do not start with a PROXY header
  Malformed,  // starts like one but is not valid
  Ok,         // parsed; `consumed` bytes are the header
};

struct ProxyHeader {
  ProxyHeaderStatus status = ProxyHeaderStatus::NeedMore;
  std::size_t consumed = 0;
  // The real client, as the sender states it; empty for UNKNOWN / LOCAL (keep the peer).
  std::string source_ip;
  std::uint16_t source_port = 0;
};

// Parses a v1 or v2 header at the start of `bytes` (spec A.7 proxyProtocol on entry points).
// v1 lines are at most 107 bytes; v2 headers at most 16 + 65535 bytes.
ProxyHeader parseProxyHeader(std::string_view bytes);

}  // namespace pier::net
