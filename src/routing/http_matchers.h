// HTTP router rules (spec C.2): compiled once on the control thread, matched on workers.
// Thread: compile() on the control thread; matches() is const, allocation-free, lock-free.
// A compiled HttpRule is immutable and may be shared by every worker through the snapshot.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/ip_address.h"
#include "base/result.h"
#include "http/message.h"
#include "routing/regex.h"
#include "routing/rule_program.h"

namespace pier::routing {

enum class HttpMatcherKind : std::uint8_t {
  Host,
  HostRegexp,
  Path,
  PathPrefix,
  PathRegexp,
  Method,
  Header,
  HeaderRegexp,
  Query,
  QueryRegexp,
  ClientIP,
};

// One matcher call with its compiled arguments.
struct HttpLeaf {
  HttpMatcherKind kind = HttpMatcherKind::Host;
  HostPattern host_pattern;  // Host
  std::string a;             // Path/PathPrefix: path; Method: upper-cased; Header*/Query*: name
  std::string b;             // Header/Query: value
  RegexPtr re;               // *Regexp
  base::CidrRange cidr;      // ClientIP

  bool matches(const http::RequestView& req) const;
  int cost() const;
  const HostPattern* host() const {
    return kind == HttpMatcherKind::Host ? &host_pattern : nullptr;
  }
};

class HttpRule {
 public:
  // Parses and compiles `rule`. Errors: rule "<rule>" column N: <what>.
  static Result<HttpRule> compile(std::string_view rule);

  bool matches(const http::RequestView& req) const { return program_.matches(req); }
  // The rule as written; its byte length is the default priority (spec C.4).
  const std::string& text() const { return text_; }
  // Necessary host condition, used by HttpRouteTable to index the rule.
  const HostConstraint& hostConstraint() const { return constraint_; }
  const Program<HttpLeaf>& program() const { return program_; }

 private:
  std::string text_;
  Program<HttpLeaf> program_;
  HostConstraint constraint_;
};

// Domains of the positive Host(...) calls, lower-case, no trailing dot, in source order, no
// duplicates; `*.suffix` kept as written, `*` left out. For the TLS layer (certificates, the
// per-SNI table of spec C.5.4b) and ACME.
std::vector<std::string> hostDomains(const HttpRule& rule);

// Default priority (spec C.4): `configured` when non-zero, else the rule's length in bytes.
std::int64_t httpPriority(std::int64_t configured, const HttpRule& rule);

// Compares a form-encoded query key or value ('+' is a space, %XX escapes) with `plain`
// without decoding into a buffer. `valid` is false when `encoded` has a malformed escape (Go's
// url.ParseQuery then drops the whole pair). Exposed for tests.
bool queryUnescapeEquals(std::string_view encoded, std::string_view plain, bool& valid);

}  // namespace pier::routing
