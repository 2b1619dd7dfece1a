// TCP router rules (spec C.3): HostSNI, HostSNIRegexp, ClientIP, ALPN.
// Thread: compile() on the control thread; matches() is const, allocation-free, lock-free.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/ip_address.h"
#include "base/result.h"
#include "routing/regex.h"
#include "routing/rule_program.h"

namespace pier::routing {

// Facts a TCP rule is matched against. Borrowed from the classifier for the call's duration.
struct TcpRequestView {
  std::string_view sni;  // ClientHello SNI, lower-case; empty if none/non-TLS
  const std::vector<std::string>* alpn = nullptr;  // client ALPN list; null when not TLS
  base::IpAddress client_ip;                       // connection peer
};

enum class TcpMatcherKind : std::uint8_t { HostSNI, HostSNIRegexp, ClientIP, ALPN };

struct TcpLeaf {
  TcpMatcherKind kind = TcpMatcherKind::HostSNI;
  HostPattern host_pattern;  // HostSNI
  std::string proto;         // ALPN
  RegexPtr re;               // HostSNIRegexp
  base::CidrRange cidr;      // ClientIP

  bool matches(const TcpRequestView& req) const;
  int cost() const;
  const HostPattern* host() const {
    return kind == TcpMatcherKind::HostSNI ? &host_pattern : nullptr;
  }
};

class TcpRule {
 public:
  static Result<TcpRule> compile(std::string_view rule);

  bool matches(const TcpRequestView& req) const { return program_.matches(req); }
  const std::string& text() const { return text_; }
  // Index key: a necessary condition on the SNI.
  const HostConstraint& hostConstraint() const { return constraint_; }
  // True when the rule is exactly one (non-negated) HostSNI(`*`) call: priority -1 (spec C.4).
  bool isCatchAll() const { return catch_all_; }
  const Program<TcpLeaf>& program() const { return program_; }

 private:
  std::string text_;
  Program<TcpLeaf> program_;
  HostConstraint constraint_;
  bool catch_all_ = false;
};

// Domains of positive HostSNI(...) calls (same form as hostDomains()).
std::vector<std::string> sniDomains(const TcpRule& rule);

// Default priority (spec C.4): `configured` when non-zero; else -1 for the HostSNI(`*`)
// catch-all, else the rule's length in bytes.
std::int64_t tcpPriority(std::int64_t configured, const TcpRule& rule);

}  // namespace pier::routing
