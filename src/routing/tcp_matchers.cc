#include "routing/tcp_matchers.h"

#include <array>
#include <string>

#include "routing/rule_lexer.h"
#include "routing/rule_parser.h"

namespace pier::routing {

namespace {

constexpr std::array<MatcherSpec, 4> kTcpMatchers{{
    {"HostSNI", 1, 1, static_cast<int>(TcpMatcherKind::HostSNI)},
    {"HostSNIRegexp", 1, 1, static_cast<int>(TcpMatcherKind::HostSNIRegexp)},
    {"ClientIP", 1, 1, static_cast<int>(TcpMatcherKind::ClientIP)},
    {"ALPN", 1, 1, static_cast<int>(TcpMatcherKind::ALPN)},
}};

constexpr std::array<RetiredMatcher, 2> kRetiredTcp{{
    {"Host", "Host is an HTTP matcher; TCP routers use HostSNI"},
    {"HostRegexp", "HostRegexp is an HTTP matcher; TCP routers use HostSNIRegexp"},
}};

// spec C.3: `^(\*\.)?[\w.\-:]+$`
bool validSniDomain(std::string_view d) {
  if (d.size() > 2 && d[0] == '*' && d[1] == '.') {
    d.remove_prefix(2);
  }
  if (d.empty()) {
    return false;
  }
  for (char c : d) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-' || c == ':';
    if (!ok) {
      return false;
    }
  }
  return true;
}

Result<TcpLeaf> compileLeaf(std::string_view rule, const RuleNode& call) {
  Result<const MatcherSpec*> spec = resolveMatcher(rule, call, kTcpMatchers, kRetiredTcp);
  if (!spec) {
    return fail(spec.error());
  }
  TcpLeaf leaf;
  leaf.kind = static_cast<TcpMatcherKind>((*spec)->id);
  const RuleArg& arg = call.args[0];
  switch (leaf.kind) {
    case TcpMatcherKind::HostSNI:
      if (arg.value != "*" && !validSniDomain(arg.value)) {
        return fail(ruleError(rule, arg.column, "invalid HostSNI domain \"" + arg.value + "\""));
      }
      leaf.host_pattern = HostPattern::fromArg(arg.value);
      break;
    case TcpMatcherKind::HostSNIRegexp: {
      Result<RegexPtr> re = Regex::compile(arg.value);
      if (!re) {
        return fail(ruleError(rule, arg.column, re.error().message));
      }
      leaf.re = std::move(*re);
      break;
    }
    case TcpMatcherKind::ClientIP: {
      std::optional<base::CidrRange> range = base::CidrRange::parse(arg.value);
      if (!range) {
        return fail(
            ruleError(rule, arg.column,
                      "ClientIP needs an IP address or CIDR range, got \"" + arg.value + "\""));
      }
      leaf.cidr = *range;
      break;
    }
    case TcpMatcherKind::ALPN:
      if (arg.value == "acme-tls/1") {
        return fail(ruleError(rule, arg.column,
                              "ALPN(`acme-tls/1`) is reserved for the ACME TLS-ALPN challenge"));
      }
      leaf.proto = arg.value;
      break;
  }
  return leaf;
}

}  // namespace

bool TcpLeaf::matches(const TcpRequestView& req) const {
  switch (kind) {
    case TcpMatcherKind::HostSNI:
      // Only `*` matches a connection without SNI.
      return host_pattern.kind == HostPattern::Kind::Any ||
             (!req.sni.empty() && host_pattern.matches(req.sni));
    case TcpMatcherKind::HostSNIRegexp:
      return re->search(req.sni);
    case TcpMatcherKind::ClientIP:
      return cidr.contains(req.client_ip);
    case TcpMatcherKind::ALPN:
      if (req.alpn == nullptr) {
        return false;
      }
      for (const std::string& p : *req.alpn) {
        if (p == proto) {
          return true;
        }
      }
      return false;
  }
  return false;
}

int TcpLeaf::cost() const {
  switch (kind) {
    case TcpMatcherKind::HostSNI:
      return 1;
    case TcpMatcherKind::ClientIP:
      return 2;
    case TcpMatcherKind::ALPN:
      return 3;
    case TcpMatcherKind::HostSNIRegexp:
      return 20;
  }
  return 20;
}

Result<TcpRule> TcpRule::compile(std::string_view rule) {
  Result<RuleAst> ast = parseRule(rule);
  if (!ast) {
    return fail(ast.error());
  }
  Result<Program<TcpLeaf>> program = Program<TcpLeaf>::build(
      *ast->root, [rule](const RuleNode& call) { return compileLeaf(rule, call); });
  if (!program) {
    return fail(program.error());
  }
  TcpRule out;
  out.text_ = std::move(ast->text);
  out.program_ = std::move(*program);
  out.constraint_ = out.program_.hostConstraint();
  const ProgramNode& root = out.program_.nodes()[out.program_.root()];
  if (root.op == ProgramNode::Op::Leaf && !root.negated) {
    const HostPattern* h = out.program_.leaves()[root.first].host();
    out.catch_all_ = h != nullptr && h->kind == HostPattern::Kind::Any;
  }
  return out;
}

std::vector<std::string> sniDomains(const TcpRule& rule) {
  std::vector<std::string> out;
  for (const HostPattern* h : rule.program().positiveHosts()) {
    if (h->kind != HostPattern::Kind::Any) {
      out.push_back(h->toString());
    }
  }
  return out;
}

std::int64_t tcpPriority(std::int64_t configured, const TcpRule& rule) {
  if (configured != 0) {
    return configured;
  }
  return rule.isCatchAll() ? -1 : static_cast<std::int64_t>(rule.text().size());
}

}  // namespace pier::routing
