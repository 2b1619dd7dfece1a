// How ipAllowList, rateLimit and inFlightReq pick "the source" of a request (Traefik's
// ipStrategy and sourceCriterion): the peer address, an entry of X-Forwarded-For, a request
// header or the request host.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/ip_address.h"
#include "base/result.h"
#include "http/message.h"
#include "middleware/options.h"

namespace pier::middleware {

struct IpStrategyOptions {
  int depth = 0;
  std::vector<std::string> excluded_ips;
  int ipv6_subnet = 0;
};

struct SourceCriterionOptions {
  std::optional<IpStrategyOptions> ip_strategy;
  std::string request_header_name;
  bool request_host = false;
};

template <class V>
void describe(V& v, IpStrategyOptions& o) {
  v("depth", o.depth);
  v("excludedIPs", o.excluded_ips);
  v("ipv6Subnet", o.ipv6_subnet);
}

template <class V>
void describe(V& v, SourceCriterionOptions& o) {
  v("ipStrategy", o.ip_strategy);
  v("requestHeaderName", o.request_header_name);
  v("requestHost", o.request_host);
}

// The client IP as an ipStrategy sees it. Empty text when the strategy finds none (too few
// X-Forwarded-For entries, or all of them excluded).
class IpStrategy {
 public:
  static Result<IpStrategy> make(const BuildContext& b, std::string_view option,
                                 const IpStrategyOptions& o);
  IpStrategy() = default;
  std::string clientIp(const http::HeaderMap& headers, const base::IpAddress& peer) const;
  // True when the client IP is the peer address as is (no text round trip needed).
  bool usesPeer() const { return depth_ == 0 && !has_excluded_ && ipv6_subnet_ == 0; }

 private:
  int depth_ = 0;
  base::IpRangeSet excluded_;
  bool has_excluded_ = false;
  int ipv6_subnet_ = 0;
};

// The key requests are counted under.
class SourceExtractor {
 public:
  // `default_host`: with no criterion at all, use the request host (inFlightReq) rather than
  // the peer IP (rateLimit).
  static Result<SourceExtractor> make(const BuildContext& b,
                                      const std::optional<SourceCriterionOptions>& o,
                                      bool default_host);
  std::string extract(const http::RequestHead& head, const base::IpAddress& peer) const;

 private:
  enum class Mode { Ip, Header, Host } mode_ = Mode::Ip;
  IpStrategy ip_;
  std::string header_;
};

}  // namespace pier::middleware
