// IP addresses and CIDR ranges (v4 and v6) for ClientIP, trustedIPs and ipAllowList.
// IPv4 is stored as an IPv4-mapped IPv6 address so one comparison serves both families.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pier::base {

class IpAddress {
 public:
  IpAddress() = default;
  // Accepts "1.2.3.4", "::1", "fe80::1%eth0" (zone dropped). No brackets, no port.
  static std::optional<IpAddress> parse(std::string_view text);
  static IpAddress fromSockaddr(const sockaddr* sa);

  bool isV4() const;
  const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }
  std::string toString() const;  // "1.2.3.4" or "::1"
  bool operator==(const IpAddress&) const = default;

 private:
  std::array<std::uint8_t, 16> bytes_{};
};

class CidrRange {
 public:
  // Accepts "10.0.0.0/8", "2001:db8::/32", or a bare address (a /32 or /128 range).
  static std::optional<CidrRange> parse(std::string_view text);
  bool contains(const IpAddress& ip) const;

 private:
  IpAddress base_;
  int prefix_bits_ = 128;  // counted over the 128-bit (mapped) form
};

// A list of ranges; empty means "matches nothing".
class IpRangeSet {
 public:
  // Returns the first entry that does not parse, or nullopt when all are valid.
  std::optional<std::string> assign(const std::vector<std::string>& entries);
  bool contains(const IpAddress& ip) const;
  bool empty() const { return ranges_.empty(); }

 private:
  std::vector<CidrRange> ranges_;
};

}  // namespace pier::base
