// The circuitBreaker expression language (Traefik/oxy's predicates): comparisons of
// NetworkErrorRatio(), ResponseCodeRatio(from, to, dividendFrom, dividendTo) and
// LatencyAtQuantileMS(q) with numbers, joined by && and || and grouped with parentheses, e.g.
// `ResponseCodeRatio(500, 600, 0, 600) > 0.25 || LatencyAtQuantileMS(50.0) > 100`.
// Parsed once on the control thread; evaluated against a window's totals. Pure: no clock, no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace pier::middleware::cb {

// Status codes from `from` (inclusive) to `to` (exclusive), as in ResponseCodeRatio.
struct CodeRange {
  int from = 0;
  int to = 0;
  bool operator==(const CodeRange&) const = default;
};

// What an expression reads. Ratios are 0 when their divisor is 0 (no traffic trips nothing).
class Stats {
 public:
  virtual double networkErrorRatio() const = 0;
  // Count of codes in `num` divided by the count of codes in `den`.
  virtual double responseCodeRatio(CodeRange num, CodeRange den) const = 0;
  // Latency at the `percent`-th percentile (0..100), whole milliseconds.
  virtual double latencyAtQuantileMs(double percent) const = 0;

 protected:
  ~Stats() = default;
};

class Expression {
 public:
  // Errors say what was expected and at which 1-based character position.
  static Result<Expression> parse(std::string_view text);

  bool evaluate(const Stats& stats) const;
  // Every range a ResponseCodeRatio call reads (numerators and divisors, deduplicated), so the
  // window counts only those.
  const std::vector<CodeRange>& codeRanges() const { return ranges_; }
  bool usesLatency() const { return uses_latency_; }

  enum class Op : std::uint8_t { Or, And, Less, LessEq, Greater, GreaterEq, Equal, NotEqual };
  enum class Fn : std::uint8_t { Number, NetworkErrorRatio, ResponseCodeRatio, Latency };
  struct Node {
    Op op = Op::Or;
    int lhs = -1, rhs = -1;  // Or/And: child nodes; comparisons: operand indexes
  };
  struct Operand {
    Fn fn = Fn::Number;
    double number = 0;       // Number: the value; Latency: the percentile
    CodeRange num{}, den{};  // ResponseCodeRatio
  };

 private:
  friend class Parser;
  double value(const Operand& o, const Stats& stats) const;
  bool eval(int node, const Stats& stats) const;

  std::vector<Node> nodes_;
  std::vector<Operand> operands_;
  int root_ = -1;
  std::vector<CodeRange> ranges_;
  bool uses_latency_ = false;
};

}  // namespace pier::middleware::cb
