#include "routing/rule_parser.h"

#include <string>
#include <utility>

#include "routing/rule_lexer.h"

namespace pier::routing {

namespace {

std::string describe(const Token& t) {
  switch (t.kind) {
    case TokenKind::Ident:
      return "'" + t.text + "'";
    case TokenKind::String:
      return "a string";
    case TokenKind::LParen:
      return "'('";
    case TokenKind::RParen:
      return "')'";
    case TokenKind::Comma:
      return "','";
    case TokenKind::And:
      return "'&&'";
    case TokenKind::Or:
      return "'||'";
    case TokenKind::Not:
      return "'!'";
    case TokenKind::End:
      return "end of rule";
  }
  return "token";
}

// De Morgan: !(a && b) == !a || !b, !(a || b) == !a && !b.
void negate(RuleNode& node) {
  if (node.kind == RuleNode::Kind::Call) {
    node.negated = !node.negated;
    return;
  }
  node.kind = node.kind == RuleNode::Kind::And ? RuleNode::Kind::Or : RuleNode::Kind::And;
  for (RuleNodePtr& child : node.children) {
    negate(*child);
  }
}

// Splices children of the same kind into their parent: ((a && b) && c) -> (a && b && c).
void flatten(RuleNode& node) {
  if (node.kind == RuleNode::Kind::Call) {
    return;
  }
  std::vector<RuleNodePtr> flat;
  for (RuleNodePtr& child : node.children) {
    flatten(*child);
    if (child->kind == node.kind) {
      for (RuleNodePtr& grandchild : child->children) {
        flat.push_back(std::move(grandchild));
      }
    } else {
      flat.push_back(std::move(child));
    }
  }
  node.children = std::move(flat);
}

class Parser {
 public:
  explicit Parser(std::string_view rule) : rule_(rule), lexer_(rule) {}

  Result<RuleNodePtr> parse() {
    PIER_TRY_VOID(advance());
    if (tok_.kind == TokenKind::End) {
      return fail(ruleError(rule_, tok_.column, "empty rule"));
    }
    Result<RuleNodePtr> root = parseOr(0);
    if (!root) {
      return root;
    }
    if (tok_.kind != TokenKind::End) {
      return fail(error("expected '&&', '||' or end of rule, found " + describe(tok_)));
    }
    flatten(**root);
    return root;
  }

 private:
  Error error(std::string_view what) const { return ruleError(rule_, tok_.column, what); }

  Result<bool> advance() {
    Result<Token> t = lexer_.next();
    if (!t) {
      return fail(t.error());
    }
    tok_ = std::move(*t);
    return true;
  }

  Result<RuleNodePtr> parseBinary(int depth, TokenKind op, RuleNode::Kind kind) {
    Result<RuleNodePtr> first = op == TokenKind::Or
                                    ? parseBinary(depth, TokenKind::And, RuleNode::Kind::And)
                                    : parseUnary(depth);
    if (!first || tok_.kind != op) {
      return first;
    }
    auto node = std::make_unique<RuleNode>();
    node->kind = kind;
    node->column = tok_.column;
    node->children.push_back(std::move(*first));
    while (tok_.kind == op) {
      PIER_TRY_VOID(advance());
      Result<RuleNodePtr> next = op == TokenKind::Or
                                     ? parseBinary(depth, TokenKind::And, RuleNode::Kind::And)
                                     : parseUnary(depth);
      if (!next) {
        return next;
      }
      node->children.push_back(std::move(*next));
    }
    return node;
  }

  Result<RuleNodePtr> parseOr(int depth) {
    if (depth > kMaxRuleDepth) {
      return fail(error("rule nested too deeply"));
    }
    return parseBinary(depth, TokenKind::Or, RuleNode::Kind::Or);
  }

  Result<RuleNodePtr> parseUnary(int depth) {
    if (tok_.kind == TokenKind::Not) {
      if (depth > kMaxRuleDepth) {
        return fail(error("rule nested too deeply"));
      }
      PIER_TRY_VOID(advance());
      Result<RuleNodePtr> operand = parseUnary(depth + 1);
      if (operand) {
        negate(**operand);
      }
      return operand;
    }
    return parsePrimary(depth);
  }

  Result<RuleNodePtr> parsePrimary(int depth) {
    if (tok_.kind == TokenKind::LParen) {
      PIER_TRY_VOID(advance());
      Result<RuleNodePtr> inner = parseOr(depth + 1);
      if (!inner) {
        return inner;
      }
      if (tok_.kind != TokenKind::RParen) {
        return fail(error("expected ')', found " + describe(tok_)));
      }
      PIER_TRY_VOID(advance());
      return inner;
    }
    if (tok_.kind != TokenKind::Ident) {
      return fail(error("expected a matcher call, '!' or '(', found " + describe(tok_)));
    }
    auto call = std::make_unique<RuleNode>();
    call->kind = RuleNode::Kind::Call;
    call->name = std::move(tok_.text);
    call->column = tok_.column;
    PIER_TRY_VOID(advance());
    if (tok_.kind != TokenKind::LParen) {
      return fail(error("expected '(' after matcher name, found " + describe(tok_)));
    }
    PIER_TRY_VOID(advance());
    while (tok_.kind != TokenKind::RParen) {
      if (tok_.kind != TokenKind::String) {
        return fail(
            error(tok_.kind == TokenKind::End
                      ? "expected ')'"
                      : "expected a string literal (`...` or \"...\"), found " + describe(tok_)));
      }
      if (tok_.text.empty()) {
        return fail(error("empty argument"));
      }
      call->args.push_back(RuleArg{std::move(tok_.text), tok_.column});
      PIER_TRY_VOID(advance());
      if (tok_.kind == TokenKind::Comma) {
        PIER_TRY_VOID(advance());  // Go accepts a trailing comma before ')'
      } else if (tok_.kind != TokenKind::RParen) {
        return fail(error("expected ')', found " + describe(tok_)));
      }
    }
    PIER_TRY_VOID(advance());
    return call;
  }

  std::string_view rule_;
  RuleLexer lexer_;
  Token tok_;
};

}  // namespace

Result<RuleAst> parseRule(std::string_view rule) {
  Parser parser(rule);
  Result<RuleNodePtr> root = parser.parse();
  if (!root) {
    return fail(root.error());
  }
  return RuleAst{std::string(rule), std::move(*root)};
}

}  // namespace pier::routing
