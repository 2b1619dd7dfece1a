// Recursive-descent parser for the circuitBreaker expression (see cb_expression.h):
//   or      := and ( "||" and )*
//   and     := primary ( "&&" primary )*
//   primary := "(" or ")" | operand cmp operand
//   operand := number | name "(" [ number ( "," number )* ] ")"
//   cmp     := "<" | "<=" | ">" | ">=" | "==" | "!="
#include "middleware/cb_expression.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

namespace pier::middleware::cb {

class Parser {
 public:
  Parser(std::string_view text, Expression& out) : text_(text), out_(out) {}

  Result<int> parseOr() {
    auto lhs = parseAnd();
    if (!lhs) {
      return lhs;
    }
    int node = *lhs;
    while (accept("||")) {
      auto rhs = parseAnd();
      if (!rhs) {
        return rhs;
      }
      node = add(Expression::Op::Or, node, *rhs);
    }
    return node;
  }

  Result<void> finish() {
    skipSpace();
    if (pos_ < text_.size()) {
      return fail(error("expected && or || or the end of the expression"));
    }
    return {};
  }

 private:
  Result<int> parseAnd() {
    auto lhs = parsePrimary();
    if (!lhs) {
      return lhs;
    }
    int node = *lhs;
    while (accept("&&")) {
      auto rhs = parsePrimary();
      if (!rhs) {
        return rhs;
      }
      node = add(Expression::Op::And, node, *rhs);
    }
    return node;
  }

  Result<int> parsePrimary() {
    if (accept("(")) {
      auto inner = parseOr();
      if (!inner) {
        return inner;
      }
      if (!accept(")")) {
        return fail(error("expected )"));
      }
      return inner;
    }
    auto lhs = parseOperand();
    if (!lhs) {
      return fail(lhs.error());
    }
    Expression::Op op;
    if (accept("<=")) {
      op = Expression::Op::LessEq;
    } else if (accept(">=")) {
      op = Expression::Op::GreaterEq;
    } else if (accept("==")) {
      op = Expression::Op::Equal;
    } else if (accept("!=")) {
      op = Expression::Op::NotEqual;
    } else if (accept("<")) {
      op = Expression::Op::Less;
    } else if (accept(">")) {
      op = Expression::Op::Greater;
    } else {
      return fail(error("expected a comparison (<, <=, >, >=, ==, !=)"));
    }
    auto rhs = parseOperand();
    if (!rhs) {
      return fail(rhs.error());
    }
    return add(op, *lhs, *rhs);
  }

  Result<int> parseOperand() {
    skipSpace();
    std::size_t start = pos_;
    if (pos_ < text_.size() && (std::isdigit(static_cast<unsigned char>(text_[pos_])) ||
                                text_[pos_] == '.' || text_[pos_] == '-')) {
      auto n = parseNumber();
      if (!n) {
        return fail(n.error());
      }
      return operand(Expression::Operand{Expression::Fn::Number, *n, {}, {}});
    }
    while (pos_ < text_.size() && std::isalpha(static_cast<unsigned char>(text_[pos_]))) {
      ++pos_;
    }
    std::string_view name = text_.substr(start, pos_ - start);
    if (name.empty()) {
      return fail(
          error("expected a number or NetworkErrorRatio(), ResponseCodeRatio(...), "
                "LatencyAtQuantileMS(...)"));
    }
    Expression::Operand o;
    std::size_t arity = 0;
    if (name == "NetworkErrorRatio") {
      o.fn = Expression::Fn::NetworkErrorRatio;
    } else if (name == "ResponseCodeRatio") {
      o.fn = Expression::Fn::ResponseCodeRatio;
      arity = 4;
    } else if (name == "LatencyAtQuantileMS") {
      o.fn = Expression::Fn::Latency;
      arity = 1;
    } else {
      pos_ = start;
      return fail(error("unknown function \"" + std::string(name) +
                        "\" (expected NetworkErrorRatio, ResponseCodeRatio or "
                        "LatencyAtQuantileMS)"));
    }
    if (!accept("(")) {
      return fail(error("expected ( after " + std::string(name)));
    }
    std::vector<double> args;
    if (!accept(")")) {
      do {
        auto n = parseNumber();
        if (!n) {
          return fail(n.error());
        }
        args.push_back(*n);
      } while (accept(","));
      if (!accept(")")) {
        return fail(error("expected , or )"));
      }
    }
    if (args.size() != arity) {
      pos_ = start;
      return fail(error(std::string(name) + " takes " + std::to_string(arity) + " argument" +
                        (arity == 1 ? "" : "s") + ", got " + std::to_string(args.size())));
    }
    if (o.fn == Expression::Fn::Latency) {
      if (args[0] <= 0 || args[0] > 100) {
        pos_ = start;
        return fail(error("LatencyAtQuantileMS takes a percentile in (0, 100]"));
      }
      o.number = args[0];
      out_.uses_latency_ = true;
    }
    if (o.fn == Expression::Fn::ResponseCodeRatio) {
      for (double a : args) {
        if (a != std::floor(a) || a < 0 || a > 1000) {
          pos_ = start;
          return fail(error("ResponseCodeRatio takes whole status codes between 0 and 1000"));
        }
      }
      o.num = {static_cast<int>(args[0]), static_cast<int>(args[1])};
      o.den = {static_cast<int>(args[2]), static_cast<int>(args[3])};
      if (o.num.from >= o.num.to || o.den.from >= o.den.to) {
        pos_ = start;
        return fail(error("ResponseCodeRatio ranges need from < to"));
      }
      for (CodeRange r : {o.num, o.den}) {
        if (std::find(out_.ranges_.begin(), out_.ranges_.end(), r) == out_.ranges_.end()) {
          out_.ranges_.push_back(r);
        }
      }
    }
    return operand(o);
  }

  Result<double> parseNumber() {
    skipSpace();
    std::size_t start = pos_;
    while (pos_ < text_.size() && (std::isdigit(static_cast<unsigned char>(text_[pos_])) ||
                                   text_[pos_] == '.' || text_[pos_] == '-')) {
      ++pos_;
    }
    double v = 0;
    const char* first = text_.data() + start;
    const char* last = text_.data() + pos_;
    auto [end, ec] = std::from_chars(first, last, v);
    if (start == pos_ || ec != std::errc() || end != last) {
      pos_ = start;
      return fail(error("expected a number"));
    }
    return v;
  }

  int operand(const Expression::Operand& o) {
    out_.operands_.push_back(o);
    return static_cast<int>(out_.operands_.size() - 1);
  }

  int add(Expression::Op op, int lhs, int rhs) {
    out_.nodes_.push_back({op, lhs, rhs});
    return static_cast<int>(out_.nodes_.size() - 1);
  }

  void skipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) {
      ++pos_;
    }
  }

  bool accept(std::string_view token) {
    skipSpace();
    if (text_.substr(pos_).starts_with(token)) {
      pos_ += token.size();
      return true;
    }
    return false;
  }

  Error error(const std::string& what) const {
    skipSpaceConst();
    std::string where = "position " + std::to_string(at_ + 1);
    if (at_ >= text_.size()) {
      where += " (end of expression)";
    }
    return Error::config(where + ": " + what);
  }

  // Errors point at the next non-blank character.
  void skipSpaceConst() const {
    at_ = pos_;
    while (at_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[at_]))) {
      ++at_;
    }
  }

  std::string_view text_;
  Expression& out_;
  std::size_t pos_ = 0;
  mutable std::size_t at_ = 0;
};

Result<Expression> Expression::parse(std::string_view text) {
  Expression out;
  Parser p(text, out);
  auto root = p.parseOr();
  if (!root) {
    return fail(root.error());
  }
  auto end = p.finish();
  if (!end) {
    return fail(end.error());
  }
  // A bare comparison is a node too; the root is always a node index.
  out.root_ = *root;
  return out;
}

double Expression::value(const Operand& o, const Stats& stats) const {
  switch (o.fn) {
    case Fn::Number:
      return o.number;
    case Fn::NetworkErrorRatio:
      return stats.networkErrorRatio();
    case Fn::ResponseCodeRatio:
      return stats.responseCodeRatio(o.num, o.den);
    case Fn::Latency:
      return stats.latencyAtQuantileMs(o.number);
  }
  return 0;
}

bool Expression::eval(int index, const Stats& stats) const {
  const Node& n = nodes_[static_cast<std::size_t>(index)];
  switch (n.op) {
    case Op::Or:
      return eval(n.lhs, stats) || eval(n.rhs, stats);
    case Op::And:
      return eval(n.lhs, stats) && eval(n.rhs, stats);
    default:
      break;
  }
  double a = value(operands_[static_cast<std::size_t>(n.lhs)], stats);
  double b = value(operands_[static_cast<std::size_t>(n.rhs)], stats);
  switch (n.op) {
    case Op::Less:
      return a < b;
    case Op::LessEq:
      return a <= b;
    case Op::Greater:
      return a > b;
    case Op::GreaterEq:
      return a >= b;
    case Op::Equal:
      return a == b;
    case Op::NotEqual:
      return a != b;
    default:
      return false;
  }
}

bool Expression::evaluate(const Stats& stats) const {
  return root_ >= 0 && eval(root_, stats);
}

}  // namespace pier::middleware::cb
