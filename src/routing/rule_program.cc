#include "routing/rule_program.h"

#include <string>

#include "base/strings.h"
#include "routing/rule_lexer.h"

namespace pier::routing {

HostPattern HostPattern::fromArg(std::string_view arg) {
  std::string lower = base::toLower(normalizeHost(arg));
  HostPattern p;
  if (lower == "*") {
    p.kind = Kind::Any;
  } else if (lower.size() > 2 && lower.compare(0, 2, "*.") == 0) {
    p.kind = Kind::Wildcard;
    p.value = lower.substr(2);
  } else {
    p.kind = Kind::Exact;
    p.value = std::move(lower);
  }
  return p;
}

bool HostPattern::matches(std::string_view host) const {
  switch (kind) {
    case Kind::Any:
      return true;
    case Kind::Exact:
      return base::iequals(normalizeHost(host), value);
    case Kind::Wildcard: {
      host = normalizeHost(host);
      std::size_t dot = host.find('.');
      // One non-empty label, then exactly the suffix: the first dot is the separator.
      return dot != std::string_view::npos && dot > 0 && base::iequals(host.substr(dot + 1), value);
    }
  }
  return false;
}

std::string HostPattern::toString() const {
  switch (kind) {
    case Kind::Any:
      return "*";
    case Kind::Wildcard:
      return "*." + value;
    case Kind::Exact:
      return value;
  }
  return value;
}

void unionConstraint(HostConstraint& into, const HostConstraint& from) {
  auto add = [](std::vector<std::string>& to, const std::vector<std::string>& items) {
    for (const std::string& s : items) {
      if (std::find(to.begin(), to.end(), s) == to.end()) {
        to.push_back(s);
      }
    }
  };
  add(into.exact, from.exact);
  add(into.suffixes, from.suffixes);
}

namespace {

bool spellingAccepted(std::string_view written, std::string_view canonical) {
  if (written == canonical || written == base::toLower(canonical) ||
      written == base::toUpper(canonical)) {
    return true;
  }
  std::string title = base::toLower(canonical);
  title[0] = base::asciiUpper(title[0]);
  return written == title;
}

std::string spellings(std::string_view canonical) {
  std::string title = base::toLower(canonical);
  title[0] = base::asciiUpper(title[0]);
  return std::string(canonical) + ", " + base::toLower(canonical) + ", " +
         base::toUpper(canonical) + " or " + title;
}

}  // namespace

Result<const MatcherSpec*> resolveMatcher(std::string_view rule, const RuleNode& call,
                                          std::span<const MatcherSpec> specs,
                                          std::span<const RetiredMatcher> retired) {
  const std::string& name = call.name;
  const MatcherSpec* found = nullptr;
  for (const MatcherSpec& spec : specs) {
    if (base::iequals(name, spec.name)) {
      if (!spellingAccepted(name, spec.name)) {
        return fail(ruleError(
            rule, call.column,
            "matcher \"" + name + "\" is not an accepted spelling; write " + spellings(spec.name)));
      }
      found = &spec;
      break;
    }
  }
  if (found == nullptr) {
    for (const RetiredMatcher& r : retired) {
      if (base::iequals(name, r.name)) {
        return fail(ruleError(
            rule, call.column,
            "matcher \"" + name + "\" is v2 syntax, not supported in v3; " + std::string(r.hint)));
      }
    }
    std::string msg = "unknown matcher \"" + name + "\"";
    std::size_t best = 4;  // suggest only close names
    std::string_view suggestion;
    for (const MatcherSpec& spec : specs) {
      std::size_t d = base::editDistance(name, spec.name);
      if (d < best) {
        best = d;
        suggestion = spec.name;
      }
    }
    if (!suggestion.empty()) {
      msg += "; did you mean \"" + std::string(suggestion) + "\"?";
    }
    return fail(ruleError(rule, call.column, msg));
  }
  auto n = static_cast<int>(call.args.size());
  if (n < found->min_args || n > found->max_args) {
    std::string expect =
        found->min_args == found->max_args
            ? std::to_string(found->min_args)
            : std::to_string(found->min_args) + " or " + std::to_string(found->max_args);
    std::string msg = std::string(found->name) + " takes " + expect + " argument" +
                      (found->max_args == 1 ? "" : "s") + ", got " + std::to_string(n);
    if (found->max_args == 1 && n > 1) {
      msg += " (several arguments is v2 syntax; combine calls with ||)";
    }
    return fail(ruleError(rule, call.column, msg));
  }
  return found;
}

}  // namespace pier::routing
