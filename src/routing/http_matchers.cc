#include "routing/http_matchers.h"

#include <array>
#include <string>

#include "base/strings.h"
#include "routing/rule_lexer.h"
#include "routing/rule_parser.h"

namespace pier::routing {

namespace {

constexpr std::array<MatcherSpec, 11> kHttpMatchers{{
    {"Host", 1, 1, static_cast<int>(HttpMatcherKind::Host)},
    {"HostRegexp", 1, 1, static_cast<int>(HttpMatcherKind::HostRegexp)},
    {"Path", 1, 1, static_cast<int>(HttpMatcherKind::Path)},
    {"PathPrefix", 1, 1, static_cast<int>(HttpMatcherKind::PathPrefix)},
    {"PathRegexp", 1, 1, static_cast<int>(HttpMatcherKind::PathRegexp)},
    {"Method", 1, 1, static_cast<int>(HttpMatcherKind::Method)},
    {"Header", 2, 2, static_cast<int>(HttpMatcherKind::Header)},
    {"HeaderRegexp", 2, 2, static_cast<int>(HttpMatcherKind::HeaderRegexp)},
    {"Query", 1, 2, static_cast<int>(HttpMatcherKind::Query)},
    {"QueryRegexp", 1, 2, static_cast<int>(HttpMatcherKind::QueryRegexp)},
    {"ClientIP", 1, 1, static_cast<int>(HttpMatcherKind::ClientIP)},
}};

constexpr std::array<RetiredMatcher, 4> kRetiredHttp{{
    {"HostHeader", "use Host"},
    {"Headers", "use Header"},
    {"HeadersRegexp", "use HeaderRegexp"},
    {"HostSNI", "HostSNI is a TCP matcher; use Host"},
}};

bool isAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      return false;
    }
  }
  return true;
}

// v2 HostRegexp templates look like `{name}` or `{name:re}`; a regex repetition is `{2,3}`.
bool hasV2Template(std::string_view re) {
  for (std::size_t i = 0; i < re.size(); ++i) {
    if (re[i] != '{' || (i > 0 && re[i - 1] == '\\')) {
      continue;
    }
    std::size_t j = i + 1;
    if (j >= re.size() ||
        !((re[j] >= 'a' && re[j] <= 'z') || (re[j] >= 'A' && re[j] <= 'Z') || re[j] == '_')) {
      continue;
    }
    while (j < re.size() && ((re[j] >= 'a' && re[j] <= 'z') || (re[j] >= 'A' && re[j] <= 'Z') ||
                             (re[j] >= '0' && re[j] <= '9') || re[j] == '_')) {
      ++j;
    }
    if (j < re.size() && (re[j] == ':' || re[j] == '}')) {
      return true;
    }
  }
  return false;
}

// Decodes a form-encoded component into `out` (reused buffer); false on a malformed escape.
bool queryUnescapeInto(std::string_view encoded, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    char c = encoded[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= encoded.size()) {
        return false;
      }
      int hi = base::hexValue(encoded[i + 1]);
      int lo = base::hexValue(encoded[i + 2]);
      if (hi < 0 || lo < 0) {
        return false;
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return true;
}

// Calls fn(key, value) with the raw (still encoded) parts of each non-empty pair of `query`
// until fn returns true.
template <typename Fn>
bool anyQueryPair(std::string_view query, Fn&& fn) {
  while (!query.empty()) {
    std::size_t end = query.find_first_of("&;");
    std::string_view pair = query.substr(0, end);
    query = end == std::string_view::npos ? std::string_view() : query.substr(end + 1);
    if (pair.empty()) {
      continue;
    }
    std::size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (fn(key, value)) {
      return true;
    }
  }
  return false;
}

bool headerNameMatches(const http::HeaderField& f, std::string_view name) {
  return http::headerNameEquals(f.name, name);
}

}  // namespace

bool queryUnescapeEquals(std::string_view encoded, std::string_view plain, bool& valid) {
  valid = true;
  std::size_t j = 0;
  bool equal = true;
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    char c = encoded[i];
    if (c == '+') {
      c = ' ';
    } else if (c == '%') {
      int hi = i + 1 < encoded.size() ? base::hexValue(encoded[i + 1]) : -1;
      int lo = i + 2 < encoded.size() ? base::hexValue(encoded[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        valid = false;
        return false;
      }
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (equal && (j >= plain.size() || plain[j] != c)) {
      equal = false;  // keep scanning: a later malformed escape invalidates the pair
    }
    ++j;
  }
  return equal && j == plain.size();
}

bool HttpLeaf::matches(const http::RequestView& req) const {
  switch (kind) {
    case HttpMatcherKind::Host:
      return host_pattern.matches(req.host);
    case HttpMatcherKind::HostRegexp:
      return re->search(req.host);
    case HttpMatcherKind::Path:
      return req.path == a;
    case HttpMatcherKind::PathPrefix:
      return req.path.substr(0, a.size()) == a;
    case HttpMatcherKind::PathRegexp:
      return re->search(req.path);
    case HttpMatcherKind::Method:
      return req.method == a;
    case HttpMatcherKind::Header:
    case HttpMatcherKind::HeaderRegexp:
      if (req.headers == nullptr) {
        return false;
      }
      for (const http::HeaderField& f : *req.headers) {
        if (headerNameMatches(f, a) &&
            (kind == HttpMatcherKind::Header ? f.value == b : re->search(f.value))) {
          return true;
        }
      }
      return false;
    case HttpMatcherKind::Query:
      return anyQueryPair(req.query, [this](std::string_view k, std::string_view v) {
        bool key_ok = false;
        bool value_ok = false;
        bool key_eq = queryUnescapeEquals(k, a, key_ok);
        bool value_eq = queryUnescapeEquals(v, b, value_ok);
        return key_ok && value_ok && key_eq && value_eq;
      });
    case HttpMatcherKind::QueryRegexp:
      return anyQueryPair(req.query, [this](std::string_view k, std::string_view v) {
        bool key_ok = false;
        if (!queryUnescapeEquals(k, a, key_ok) || !key_ok) {
          return false;
        }
        if (v.find_first_of("%+") == std::string_view::npos) {
          return re->search(v);
        }
        // Decoding needs a buffer: a per-thread one whose capacity is kept between matches.
        thread_local std::string scratch;
        return queryUnescapeInto(v, scratch) && re->search(scratch);
      });
    case HttpMatcherKind::ClientIP:
      return cidr.contains(req.client_ip);
  }
  return false;
}

int HttpLeaf::cost() const {
  switch (kind) {
    case HttpMatcherKind::Host:
    case HttpMatcherKind::Path:
    case HttpMatcherKind::PathPrefix:
    case HttpMatcherKind::Method:
      return 1;
    case HttpMatcherKind::ClientIP:
      return 2;
    case HttpMatcherKind::Header:
      return 4;
    case HttpMatcherKind::Query:
      return 6;
    default:
      return 20;  // regexes
  }
}

namespace {

Result<RegexPtr> compileRegex(std::string_view rule, const RuleArg& arg) {
  Result<RegexPtr> re = Regex::compile(arg.value);
  if (!re) {
    return fail(ruleError(rule, arg.column, re.error().message));
  }
  return re;
}

Result<HttpLeaf> compileLeaf(std::string_view rule, const RuleNode& call) {
  Result<const MatcherSpec*> spec = resolveMatcher(rule, call, kHttpMatchers, kRetiredHttp);
  if (!spec) {
    return fail(spec.error());
  }
  HttpLeaf leaf;
  leaf.kind = static_cast<HttpMatcherKind>((*spec)->id);
  const RuleArg& arg0 = call.args[0];
  auto err = [&](const RuleArg& arg, const std::string& what) {
    return fail(ruleError(rule, arg.column, what));
  };
  switch (leaf.kind) {
    case HttpMatcherKind::Host:
      if (!isAscii(arg0.value)) {
        return err(arg0, "Host must be ASCII; write non-ASCII names in punycode (xn--...)");
      }
      leaf.host_pattern = HostPattern::fromArg(arg0.value);
      break;
    case HttpMatcherKind::HostRegexp: {
      if (!isAscii(arg0.value)) {
        return err(arg0, "HostRegexp must be ASCII; write non-ASCII names in punycode (xn--...)");
      }
      if (hasV2Template(arg0.value)) {
        return err(arg0,
                   "HostRegexp with {name:regexp} templates is v2 syntax; write a plain "
                   "regular expression such as `^[a-z]+\\.example\\.com$`");
      }
      Result<RegexPtr> re = compileRegex(rule, arg0);
      if (!re) {
        return fail(re.error());
      }
      leaf.re = std::move(*re);
      break;
    }
    case HttpMatcherKind::Path:
    case HttpMatcherKind::PathPrefix:
      if (arg0.value.front() != '/') {
        return err(arg0, std::string((*spec)->name) + " must start with '/'");
      }
      leaf.a = arg0.value;
      break;
    case HttpMatcherKind::Method:
      leaf.a = base::toUpper(arg0.value);
      break;
    case HttpMatcherKind::Header:
      leaf.a = arg0.value;
      leaf.b = call.args[1].value;
      break;
    case HttpMatcherKind::Query:
    case HttpMatcherKind::QueryRegexp:
      if (arg0.value.find('=') != std::string::npos) {
        return err(arg0, "Query(`key=value`) is v2 syntax; write Query(`key`, `value`)");
      }
      leaf.a = arg0.value;
      if (call.args.size() == 1) {
        leaf.kind = HttpMatcherKind::Query;  // one-argument forms match an empty value
        break;
      }
      if (leaf.kind == HttpMatcherKind::Query) {
        leaf.b = call.args[1].value;
        break;
      }
      [[fallthrough]];
    case HttpMatcherKind::HeaderRegexp:
    case HttpMatcherKind::PathRegexp: {
      bool on_path = leaf.kind == HttpMatcherKind::PathRegexp;
      if (!on_path) {
        leaf.a = arg0.value;
      }
      Result<RegexPtr> re = compileRegex(rule, on_path ? arg0 : call.args[1]);
      if (!re) {
        return fail(re.error());
      }
      leaf.re = std::move(*re);
      break;
    }
    case HttpMatcherKind::ClientIP: {
      std::optional<base::CidrRange> range = base::CidrRange::parse(arg0.value);
      if (!range) {
        return err(arg0, "ClientIP needs an IP address or CIDR range, got \"" + arg0.value + "\"");
      }
      leaf.cidr = *range;
      break;
    }
  }
  return leaf;
}

}  // namespace

Result<HttpRule> HttpRule::compile(std::string_view rule) {
  Result<RuleAst> ast = parseRule(rule);
  if (!ast) {
    return fail(ast.error());
  }
  Result<Program<HttpLeaf>> program = Program<HttpLeaf>::build(
      *ast->root, [rule](const RuleNode& call) { return compileLeaf(rule, call); });
  if (!program) {
    return fail(program.error());
  }
  HttpRule out;
  out.text_ = std::move(ast->text);
  out.program_ = std::move(*program);
  out.constraint_ = out.program_.hostConstraint();
  return out;
}

std::vector<std::string> hostDomains(const HttpRule& rule) {
  std::vector<std::string> out;
  for (const HostPattern* h : rule.program().positiveHosts()) {
    if (h->kind != HostPattern::Kind::Any) {
      out.push_back(h->toString());
    }
  }
  return out;
}

std::int64_t httpPriority(std::int64_t configured, const HttpRule& rule) {
  return configured != 0 ? configured : static_cast<std::int64_t>(rule.text().size());
}

}  // namespace pier::routing
