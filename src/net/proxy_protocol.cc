#include "net/proxy_protocol.h"

#include <arpa/inet.h>
#include <netinet/in.h>

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

}  // namespace pier::net
