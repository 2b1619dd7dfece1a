// Rule syntax tree (spec C.1): matcher calls combined with &&, ||, ! and parentheses.
// Thread: control thread (built by the parser, consumed by the HTTP/TCP compilers).
// After parsing, negation is pushed to the leaves (De Morgan), so And/Or nodes are never negated.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pier::routing {

struct RuleArg {
  std::string value;         // decoded Go string literal
  std::uint32_t column = 0;  // 1-based column of the literal's opening quote
};

struct RuleNode {
  enum class Kind : std::uint8_t { Call, And, Or };

  Kind kind = Kind::Call;
  bool negated = false;       // only on Call nodes once the tree is in negation normal form
  std::string name;           // Call: matcher name as written
  std::uint32_t column = 0;   // 1-based column of the name (Call) or operator (And/Or)
  std::vector<RuleArg> args;  // Call
  std::vector<std::unique_ptr<RuleNode>> children;  // And/Or: two or more, flattened
};

using RuleNodePtr = std::unique_ptr<RuleNode>;

struct RuleAst {
  std::string text;  // the rule as written (its byte length is the default priority, spec C.4)
  RuleNodePtr root;
};

}  // namespace pier::routing
