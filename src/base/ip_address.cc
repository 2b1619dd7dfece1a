#include "base/ip_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

#include "base/strings.h"

namespace pier::base {
namespace {

constexpr std::array<std::uint8_t, 12> kV4MappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  std::string s(text.substr(0, text.find('%')));
  IpAddress ip;
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    std::memcpy(ip.bytes_.data(), kV4MappedPrefix.data(), 12);
    std::memcpy(ip.bytes_.data() + 12, &v4, 4);
    return ip;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(ip.bytes_.data(), &v6, 16);
    return ip;
  }
  return std::nullopt;
}

IpAddress IpAddress::fromSockaddr(const sockaddr* sa) {
  IpAddress ip;
  if (sa->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    std::memcpy(ip.bytes_.data(), kV4MappedPrefix.data(), 12);
    std::memcpy(ip.bytes_.data() + 12, &in->sin_addr, 4);
  } else if (sa->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    std::memcpy(ip.bytes_.data(), &in6->sin6_addr, 16);
  }
  return ip;
}

bool IpAddress::isV4() const {
  return std::memcmp(bytes_.data(), kV4MappedPrefix.data(), 12) == 0;
}

std::string IpAddress::toString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (isV4()) {
    // Formatted by hand: glibc's inet_ntop goes through sprintf, and this runs for every
    // request (X-Real-Ip, X-Forwarded-For).
    std::string out;
    out.reserve(15);
    for (int i = 12; i < 16; ++i) {
      unsigned v = bytes_[static_cast<std::size_t>(i)];
      if (v >= 100) {
        out += static_cast<char>('0' + v / 100);
      }
      if (v >= 10) {
        out += static_cast<char>('0' + (v / 10) % 10);
      }
      out += static_cast<char>('0' + v % 10);
      if (i != 15) {
        out += '.';
      }
    }
    return out;
  } else {
    inet_ntop(AF_INET6, bytes_.data(), buf, sizeof buf);
  }
  return buf;
}

std::optional<CidrRange> CidrRange::parse(std::string_view text) {
  text = trim(text);
  std::size_t slash = text.find('/');
  auto ip = IpAddress::parse(text.substr(0, slash));
  if (!ip) {
    return std::nullopt;
  }
  CidrRange range;
  range.base_ = *ip;
  range.prefix_bits_ = 128;
  if (slash != std::string_view::npos) {
    long long bits = 0;
    if (!parseInt64(text.substr(slash + 1), bits)) {
      return std::nullopt;
    }
    int max_bits = ip->isV4() ? 32 : 128;
    if (bits < 0 || bits > max_bits) {
      return std::nullopt;
    }
    range.prefix_bits_ = static_cast<int>(bits) + (ip->isV4() ? 96 : 0);
  }
  return range;
}

bool CidrRange::contains(const IpAddress& ip) const {
  const auto& a = base_.bytes();
  const auto& b = ip.bytes();
  int bits = prefix_bits_;
  for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    std::uint8_t mask = bits >= 8 ? 0xff : static_cast<std::uint8_t>(0xff << (8 - bits));
    if ((a[i] & mask) != (b[i] & mask)) {
      return false;
    }
  }
  return true;
}

std::optional<std::string> IpRangeSet::assign(const std::vector<std::string>& entries) {
  ranges_.clear();
  for (const std::string& e : entries) {
    auto r = CidrRange::parse(e);
    if (!r) {
      return e;
    }
    ranges_.push_back(*r);
  }
  return std::nullopt;
}

bool IpRangeSet::contains(const IpAddress& ip) const {
  for (const CidrRange& r : ranges_) {
    if (r.contains(ip)) {
      return true;
    }
  }
  return false;
}

}  // namespace pier::base
