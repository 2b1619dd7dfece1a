// Recursive-descent parser for rule strings (spec C.1) into a RuleAst in negation normal form.
// Thread: control thread. Errors name the 1-based byte column: rule "Host(`a`" column 8: expected
// ')'. An error at the end of input points at the last character (there is none after it).
#pragma once

#include <string_view>

#include "base/result.h"
#include "routing/rule_ast.h"

namespace pier::routing {

// Syntax only: matcher names and argument counts are checked by the HTTP/TCP compilers.
// Rejects empty rules, single-quoted literals, and nesting deeper than kMaxRuleDepth.
Result<RuleAst> parseRule(std::string_view rule);

inline constexpr int kMaxRuleDepth = 64;

}  // namespace pier::routing
