// Constraints reuse the rule language's parser (same Go-expression grammar, spec C.1): the
// syntax tree comes back in negation normal form, and only the two label predicates are valid.
#include "providers/docker/constraints.h"

#include <re2/re2.h>

#include <vector>

#include "routing/rule_parser.h"

namespace pier::providers::docker {

struct Constraints::Node {
  enum class Kind { Label, LabelRegex, And, Or };
  Kind kind = Kind::Label;
  bool negated = false;
  std::string name;
  std::string value;
  std::shared_ptr<const RE2> regex;
  std::vector<Node> children;
};

namespace {

Error constraintError(std::string_view expr, std::uint32_t column, std::string_view what) {
  return Error::config("constraints \"" + std::string(expr) + "\" column " +
                       std::to_string(column) + ": " + std::string(what));
}

Result<Constraints::Node> convert(std::string_view expr, const routing::RuleNode& in) {
  using Kind = Constraints::Node::Kind;
  Constraints::Node out;
  out.negated = in.negated;
  if (in.kind != routing::RuleNode::Kind::Call) {
    out.kind = in.kind == routing::RuleNode::Kind::And ? Kind::And : Kind::Or;
    for (const auto& child : in.children) {
      auto c = convert(expr, *child);
      if (!c)
        return fail(c.error());
      out.children.push_back(std::move(*c));
    }
    return out;
  }
  if (in.name == "Label") {
    out.kind = Kind::Label;
  } else if (in.name == "LabelRegex") {
    out.kind = Kind::LabelRegex;
  } else {
    return fail(constraintError(expr, in.column,
                                "unknown function `" + in.name +
                                    "`; constraints use Label(`name`, `value`) and "
                                    "LabelRegex(`name`, `regex`)"));
  }
  if (in.args.size() != 2) {
    return fail(constraintError(expr, in.column,
                                in.name + " takes 2 arguments (label name, " +
                                    (out.kind == Kind::Label ? "value" : "regex") + "), got " +
                                    std::to_string(in.args.size())));
  }
  out.name = in.args[0].value;
  out.value = in.args[1].value;
  if (out.kind == Kind::LabelRegex) {
    RE2::Options options;
    options.set_log_errors(false);
    auto re = std::make_shared<const RE2>(out.value, options);
    if (!re->ok()) {
      return fail(
          constraintError(expr, in.args[1].column, "invalid regular expression: " + re->error()));
    }
    out.regex = std::move(re);
  }
  return out;
}

bool eval(const Constraints::Node& n, const std::map<std::string, std::string>& labels) {
  using Kind = Constraints::Node::Kind;
  bool result = false;
  switch (n.kind) {
    case Kind::And:
      result = true;
      for (const auto& c : n.children) {
        if (!eval(c, labels)) {
          result = false;
          break;
        }
      }
      break;
    case Kind::Or:
      for (const auto& c : n.children) {
        if (eval(c, labels)) {
          result = true;
          break;
        }
      }
      break;
    case Kind::Label:
    case Kind::LabelRegex: {
      auto it = labels.find(n.name);
      const std::string empty;
      const std::string& value = it == labels.end() ? empty : it->second;
      result = n.kind == Kind::Label ? value == n.value : RE2::PartialMatch(value, *n.regex);
      break;
    }
  }
  return n.negated ? !result : result;
}

}  // namespace

Result<Constraints> Constraints::parse(std::string_view expression) {
  Constraints c;
  bool blank = true;
  for (char ch : expression)
    if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r')
      blank = false;
  if (blank)
    return c;
  try {
    auto ast = routing::parseRule(expression);
    if (!ast) {
      std::string msg = ast.error().message;
      if (msg.rfind("rule ", 0) == 0)
        msg = "constraints " + msg.substr(5);
      return fail(Error::config(std::move(msg)));
    }
    auto root = convert(expression, *ast->root);
    if (!root)
      return fail(root.error());
    c.root_ = std::make_shared<const Node>(std::move(*root));
    return c;
  } catch (const std::exception& e) {
    return fail(Error::internal(std::string("constraints: ") + e.what()));
  }
}

bool Constraints::matches(const std::map<std::string, std::string>& labels) const {
  return root_ == nullptr || eval(*root_, labels);
}

}  // namespace pier::providers::docker
