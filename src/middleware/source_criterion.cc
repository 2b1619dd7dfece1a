#include "middleware/source_criterion.h"

#include <netinet/in.h>

#include "base/strings.h"
#include "http/message.h"

namespace pier::middleware {
namespace {

// Every X-Forwarded-For entry, in order, across repeated fields.
std::vector<std::string_view> forwardedFor(const http::HeaderMap& headers) {
  std::vector<std::string_view> out;
  headers.forEach("X-Forwarded-For", [&](std::string_view value) {
    while (!value.empty()) {
      std::size_t comma = value.find(',');
      std::string_view item = base::trim(value.substr(0, comma));
      out.push_back(item);
      if (comma == std::string_view::npos) {
        break;
      }
      value.remove_prefix(comma + 1);
    }
  });
  return out;
}

// Keeps the first `bits` of an IPv6 address (ipv6Subnet), leaving IPv4 alone.
std::string maskV6(const std::string& text, int bits) {
  auto ip = base::IpAddress::parse(text);
  if (!ip || ip->isV4() || bits <= 0 || bits >= 128) {
    return text;
  }
  auto bytes = ip->bytes();
  for (int i = 0; i < 16; ++i) {
    int keep = std::min(8, std::max(0, bits - i * 8));
    bytes[static_cast<std::size_t>(i)] &= static_cast<std::uint8_t>(0xff00 >> keep);
  }
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  std::copy(bytes.begin(), bytes.end(), sa.sin6_addr.s6_addr);
  return base::IpAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&sa)).toString();
}

}  // namespace

Result<IpStrategy> IpStrategy::make(const BuildContext& b, std::string_view option,
                                    const IpStrategyOptions& o) {
  IpStrategy s;
  if (o.depth < 0) {
    return fail(optionError(b, std::string(option) + ".depth", "expected a number >= 0"));
  }
  s.depth_ = o.depth;
  if (!o.excluded_ips.empty()) {
    if (auto bad = s.excluded_.assign(o.excluded_ips)) {
      return fail(optionError(b, std::string(option) + ".excludedIPs",
                              "\"" + *bad + "\" is not an IP address or CIDR range"));
    }
    s.has_excluded_ = true;
  }
  if (o.ipv6_subnet < 0 || o.ipv6_subnet > 128) {
    return fail(optionError(b, std::string(option) + ".ipv6Subnet", "expected 0 to 128"));
  }
  s.ipv6_subnet_ = o.ipv6_subnet;
  return s;
}

std::string IpStrategy::clientIp(const http::HeaderMap& headers,
                                 const base::IpAddress& peer) const {
  std::string ip;
  if (depth_ > 0) {
    auto xff = forwardedFor(headers);
    if (xff.size() >= static_cast<std::size_t>(depth_)) {
      ip = std::string(xff[xff.size() - static_cast<std::size_t>(depth_)]);
    }
  } else if (has_excluded_) {
    auto xff = forwardedFor(headers);
    for (std::size_t i = xff.size(); i-- > 0;) {
      auto parsed = base::IpAddress::parse(xff[i]);
      if (!parsed || !excluded_.contains(*parsed)) {
        ip = std::string(xff[i]);
        break;
      }
    }
  } else {
    ip = peer.toString();
  }
  return ipv6_subnet_ > 0 ? maskV6(ip, ipv6_subnet_) : ip;
}

Result<SourceExtractor> SourceExtractor::make(const BuildContext& b,
                                              const std::optional<SourceCriterionOptions>& o,
                                              bool default_host) {
  SourceExtractor e;
  bool none = !o || (!o->ip_strategy && o->request_header_name.empty() && !o->request_host);
  if (none) {
    e.mode_ = default_host ? Mode::Host : Mode::Ip;
    return e;
  }
  if (o->ip_strategy) {
    auto ip = IpStrategy::make(b, "sourceCriterion.ipStrategy", *o->ip_strategy);
    if (!ip) {
      return fail(ip.error());
    }
    e.ip_ = std::move(*ip);
    e.mode_ = Mode::Ip;
  } else if (!o->request_header_name.empty()) {
    e.mode_ = Mode::Header;
    e.header_ = o->request_header_name;
  } else {
    e.mode_ = Mode::Host;
  }
  return e;
}

std::string SourceExtractor::extract(const http::RequestHead& head,
                                     const base::IpAddress& peer) const {
  switch (mode_) {
    case Mode::Ip:
      return ip_.clientIp(head.headers, peer);
    case Mode::Header: {
      const std::string* v = head.headers.get(header_);
      return v != nullptr ? *v : std::string();
    }
    case Mode::Host: {
      const std::string* v = head.headers.get("Host");
      return v != nullptr ? *v : std::string();
    }
  }
  return {};
}

}  // namespace pier::middleware
