#include "net/proxy_protocol.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace pier::net {
namespace {

constexpr char kV2Signature[] = "\r\n\r\n\0\r\nQUIT\n";  // 12 bytes with the embedded NUL

bool sameIpFamily(const sockaddr* a, const sockaddr* b) {
  return a != nullptr && b != nullptr && a->sa_family == b->sa_family &&
         (a->sa_family == AF_INET || a->sa_family == AF_INET6);
}

std::string textAddress(const sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (sa->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
  } else {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
  }
  return buf;
}

std::uint16_t portOf(const sockaddr* sa) {
  return ntohs(sa->sa_family == AF_INET ? reinterpret_cast<const sockaddr_in*>(sa)->sin_port
                                        : reinterpret_cast<const sockaddr_in6*>(sa)->sin6_port);
}

void appendU16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xff));
}

std::string v1(const sockaddr* src, const sockaddr* dst) {
  if (!sameIpFamily(src, dst)) {
    return "PROXY UNKNOWN\r\n";
  }
  std::string out = src->sa_family == AF_INET ? "PROXY TCP4 " : "PROXY TCP6 ";
  out += textAddress(src) + ' ' + textAddress(dst) + ' ' + std::to_string(portOf(src)) + ' ' +
         std::to_string(portOf(dst)) + "\r\n";
  return out;
}

std::string v2(const sockaddr* src, const sockaddr* dst) {
  std::string out(kV2Signature, 12);
  if (!sameIpFamily(src, dst)) {
    out.push_back(static_cast<char>(0x20));  // version 2, LOCAL
    out.push_back(0);                        // unspecified family
    appendU16(out, 0);
    return out;
  }
  out.push_back(static_cast<char>(0x21));  // version 2, PROXY
  if (src->sa_family == AF_INET) {
    out.push_back(static_cast<char>(0x11));  // TCP over IPv4
    appendU16(out, 12);
    out.append(reinterpret_cast<const char*>(&reinterpret_cast<const sockaddr_in*>(src)->sin_addr),
               4);
    out.append(reinterpret_cast<const char*>(&reinterpret_cast<const sockaddr_in*>(dst)->sin_addr),
               4);
  } else {
    out.push_back(static_cast<char>(0x21));  // TCP over IPv6
    appendU16(out, 36);
    out.append(
        reinterpret_cast<const char*>(&reinterpret_cast<const sockaddr_in6*>(src)->sin6_addr), 16);
    out.append(
        reinterpret_cast<const char*>(&reinterpret_cast<const sockaddr_in6*>(dst)->sin6_addr), 16);
  }
  appendU16(out, portOf(src));
  appendU16(out, portOf(dst));
  return out;
}

}  // namespace

std::string proxyProtocolHeader(int version, const sockaddr* source, const sockaddr* destination) {
  if (version == 1) {
    return v1(source, destination);
  }
  if (version == 2) {
    return v2(source, destination);
  }
  return {};
}

namespace {

constexpr std::size_t kV1MaxLine = 107;

ProxyHeader parseV1(std::string_view bytes) {
  ProxyHeader out;
  std::size_t end = bytes.find("\r\n");
  if (end == std::string_view::npos) {
    out.status =
        bytes.size() >= kV1MaxLine ? ProxyHeaderStatus::Malformed : ProxyHeaderStatus::NeedMore;
    return out;
  }
  if (end + 2 > kV1MaxLine) {
    out.status = ProxyHeaderStatus::Malformed;
    return out;
  }
  std::string_view line = bytes.substr(6, end - 6);  // after "PROXY "
  out.consumed = end + 2;
  if (line.starts_with("UNKNOWN")) {
    out.status = ProxyHeaderStatus::Ok;
    return out;
  }
  // TCP4|TCP6 src dst sport dport
  std::string_view parts[5];
  std::size_t n = 0;
  while (n < 5 && !line.empty()) {
    std::size_t sp = line.find(' ');
    parts[n++] = line.substr(0, sp);
    line = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
  }
  if (n != 5 || !line.empty() || (parts[0] != "TCP4" && parts[0] != "TCP6")) {
    out.status = ProxyHeaderStatus::Malformed;
    return out;
  }
  unsigned char addr[16];
  int family = parts[0] == "TCP4" ? AF_INET : AF_INET6;
  std::string src(parts[1]);
  std::string dst(parts[2]);
  if (inet_pton(family, src.c_str(), addr) != 1 || inet_pton(family, dst.c_str(), addr) != 1) {
    out.status = ProxyHeaderStatus::Malformed;
    return out;
  }
  unsigned port = 0;
  for (char c : parts[3]) {
    if (c < '0' || c > '9' || port > 65535) {
      out.status = ProxyHeaderStatus::Malformed;
      return out;
    }
    port = port * 10 + static_cast<unsigned>(c - '0');
  }
  if (parts[3].empty() || port > 65535) {
    out.status = ProxyHeaderStatus::Malformed;
    return out;
  }
  out.source_ip = src;
  out.source_port = static_cast<std::uint16_t>(port);
  out.status = ProxyHeaderStatus::Ok;
  return out;
}

ProxyHeader parseV2(std::string_view bytes) {
  ProxyHeader out;
  if (bytes.size() < 16) {
    return out;  // NeedMore
  }
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(bytes[i]); };
  std::size_t len = (byte(14) << 8) | byte(15);
  if ((byte(12) >> 4) != 2) {
    out.status = ProxyHeaderStatus::Malformed;
    return out;
  }
  if (bytes.size() < 16 + len) {
    return out;  // NeedMore
  }
  out.consumed = 16 + len;
  out.status = ProxyHeaderStatus::Ok;
  bool local = (byte(12) & 0x0f) == 0;
  unsigned family = byte(13) >> 4;
  char text[INET6_ADDRSTRLEN] = {};
  if (local) {
    return out;
  }
  if (family == 1 && len >= 12) {
    inet_ntop(AF_INET, bytes.data() + 16, text, sizeof text);
    out.source_ip = text;
    out.source_port = static_cast<std::uint16_t>((byte(24) << 8) | byte(25));
  } else if (family == 2 && len >= 36) {
    inet_ntop(AF_INET6, bytes.data() + 16, text, sizeof text);
    out.source_ip = text;
    out.source_port = static_cast<std::uint16_t>((byte(48) << 8) | byte(49));
  }
  return out;  // other families (unix): keep the peer
}

}  // namespace

ProxyHeader parseProxyHeader(std::string_view bytes) {
  static constexpr std::string_view kV1 = "PROXY ";
  std::string_view v2sig(kV2Signature, 12);
  std::size_t n = std::min(bytes.size(), std::size_t{12});
  if (bytes.substr(0, std::min(n, kV1.size())) == kV1.substr(0, std::min(n, kV1.size()))) {
    if (bytes.size() < kV1.size()) {
      return {};
    }
    return parseV1(bytes);
  }
  if (bytes.substr(0, n) == v2sig.substr(0, n)) {
    if (bytes.size() < 12) {
      return {};
    }
    return parseV2(bytes);
  }
  ProxyHeader out;
  out.status = ProxyHeaderStatus::NotProxy;
  return out;
}

}  // namespace pier::net
