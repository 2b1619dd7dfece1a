// Pieces shared by the HTTP and TCP rule compilers: host patterns, matcher-name resolution,
// the boolean program evaluated at match time, and the host constraint used by route indexes.
// Thread: built on the control thread; evaluation is const, allocation-free and lock-free.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "routing/rule_ast.h"

namespace pier::routing {

// A Host/HostSNI argument: `*` (anything), `*.suffix` (exactly one extra left label) or a name.
// Stored lower-case without the trailing dot; compared ASCII case-insensitively.
struct HostPattern {
  enum class Kind : std::uint8_t { Any, Exact, Wildcard };
  Kind kind = Kind::Exact;
  std::string value;  // Exact: the name; Wildcard: the suffix without "*."; Any: empty

  static HostPattern fromArg(std::string_view arg);
  bool matches(std::string_view host) const;
  std::string toString() const;  // as a domain: "a.com", "*.a.com", "*"
};

// Strips one trailing dot ("a.com." -> "a.com"); the form hosts are compared and indexed in.
inline std::string_view normalizeHost(std::string_view host) {
  if (!host.empty() && host.back() == '.') {
    host.remove_suffix(1);
  }
  return host;
}

// Necessary condition on the host for a rule to match: when `any` is false the rule can match
// only hosts equal to one of `exact` or one label in front of one of `suffixes`.
struct HostConstraint {
  bool any = true;
  std::vector<std::string> exact;     // lower-case names
  std::vector<std::string> suffixes;  // lower-case suffixes of `*.suffix` patterns
};

struct MatcherSpec {
  std::string_view name;  // canonical spelling
  int min_args;
  int max_args;
  int id;  // the compiler's own matcher enum
};

struct RetiredMatcher {  // v2 names that v3 rejects, with the replacement to suggest
  std::string_view name;
  std::string_view hint;
};

// Finds `call.name` in `specs` under one of its four accepted spellings (spec C.1) and checks
// the argument count. Errors name the column and suggest a close canonical name.
Result<const MatcherSpec*> resolveMatcher(std::string_view rule, const RuleNode& call,
                                          std::span<const MatcherSpec> specs,
                                          std::span<const RetiredMatcher> retired);

// Boolean program in negation normal form. Leaf must provide
// `bool matches(const View&) const`, `int cost() const` and `const HostPattern* host() const`
// (non-null for Host/HostSNI leaves).
struct ProgramNode {
  enum class Op : std::uint8_t { Leaf, And, Or };
  Op op = Op::Leaf;
  bool negated = false;     // Leaf only
  std::uint32_t first = 0;  // Leaf: index in leaves; And/Or: index of first child in children
  std::uint32_t count = 0;  // And/Or: number of children
  int cost = 0;
};

template <typename Leaf>
class Program {
 public:
  // Compiles `root` with `compile_leaf(const RuleNode& call) -> Result<Leaf>`.
  template <typename CompileLeaf>
  static Result<Program> build(const RuleNode& root, CompileLeaf&& compile_leaf);

  template <typename View>
  bool matches(const View& view) const {
    return eval(root_, view);
  }

  const std::vector<Leaf>& leaves() const { return leaves_; }
  const std::vector<ProgramNode>& nodes() const { return nodes_; }
  std::uint32_t root() const { return root_; }

  HostConstraint hostConstraint() const { return constraintOf(root_); }
  // True when the rule is one positive exact host leaf or an Or of them: then the host alone
  // decides, and a route found in the bucket of the request's host needs no evaluation.
  bool exactHostsOnly() const;
  // Positive host leaves in source order (negated ones excluded), duplicates removed.
  std::vector<const HostPattern*> positiveHosts() const;

 private:
  template <typename CompileLeaf>
  Result<std::uint32_t> add(const RuleNode& node, CompileLeaf& compile_leaf);

  template <typename View>
  bool eval(std::uint32_t index, const View& view) const {
    const ProgramNode& n = nodes_[index];
    switch (n.op) {
      case ProgramNode::Op::Leaf:
        return leaves_[n.first].matches(view) != n.negated;
      case ProgramNode::Op::And:
        for (std::uint32_t i = 0; i < n.count; ++i) {
          if (!eval(children_[n.first + i], view)) {
            return false;
          }
        }
        return true;
      case ProgramNode::Op::Or:
        for (std::uint32_t i = 0; i < n.count; ++i) {
          if (eval(children_[n.first + i], view)) {
            return true;
          }
        }
        return false;
    }
    return false;
  }

  HostConstraint constraintOf(std::uint32_t index) const;

  std::vector<ProgramNode> nodes_;
  std::vector<std::uint32_t> children_;
  std::vector<Leaf> leaves_;
  std::uint32_t root_ = 0;
};

// --- template definitions -------------------------------------------------------------------

template <typename Leaf>
template <typename CompileLeaf>
Result<Program<Leaf>> Program<Leaf>::build(const RuleNode& root, CompileLeaf&& compile_leaf) {
  Program program;
  Result<std::uint32_t> r = program.add(root, compile_leaf);
  if (!r) {
    return fail(r.error());
  }
  program.root_ = *r;
  return program;
}

template <typename Leaf>
template <typename CompileLeaf>
Result<std::uint32_t> Program<Leaf>::add(const RuleNode& node, CompileLeaf& compile_leaf) {
  if (node.kind == RuleNode::Kind::Call) {
    Result<Leaf> leaf = compile_leaf(node);
    if (!leaf) {
      return fail(leaf.error());
    }
    ProgramNode p;
    p.op = ProgramNode::Op::Leaf;
    p.negated = node.negated;
    p.first = static_cast<std::uint32_t>(leaves_.size());
    p.cost = leaf->cost();
    leaves_.push_back(std::move(*leaf));
    nodes_.push_back(p);
    return static_cast<std::uint32_t>(nodes_.size() - 1);
  }
  std::vector<std::uint32_t> kids;
  kids.reserve(node.children.size());
  int cost = 0;
  for (const RuleNodePtr& child : node.children) {
    Result<std::uint32_t> k = add(*child, compile_leaf);
    if (!k) {
      return k;
    }
    kids.push_back(*k);
    cost += nodes_[*k].cost;
  }
  // Matchers are pure predicates, so evaluating cheap ones first never changes the result.
  std::stable_sort(kids.begin(), kids.end(), [this](std::uint32_t a, std::uint32_t b) {
    return nodes_[a].cost < nodes_[b].cost;
  });
  ProgramNode p;
  p.op = node.kind == RuleNode::Kind::And ? ProgramNode::Op::And : ProgramNode::Op::Or;
  p.first = static_cast<std::uint32_t>(children_.size());
  p.count = static_cast<std::uint32_t>(kids.size());
  p.cost = cost;
  children_.insert(children_.end(), kids.begin(), kids.end());
  nodes_.push_back(p);
  return static_cast<std::uint32_t>(nodes_.size() - 1);
}

// Merges `from` into `into`, keeping keys unique.
void unionConstraint(HostConstraint& into, const HostConstraint& from);

template <typename Leaf>
HostConstraint Program<Leaf>::constraintOf(std::uint32_t index) const {
  const ProgramNode& n = nodes_[index];
  if (n.op == ProgramNode::Op::Leaf) {
    HostConstraint c;
    const HostPattern* h = leaves_[n.first].host();
    if (n.negated || h == nullptr || h->kind == HostPattern::Kind::Any) {
      return c;
    }
    c.any = false;
    (h->kind == HostPattern::Kind::Exact ? c.exact : c.suffixes).push_back(h->value);
    return c;
  }
  if (n.op == ProgramNode::Op::Or) {  // every branch must constrain the host
    HostConstraint c;
    c.any = false;
    for (std::uint32_t i = 0; i < n.count; ++i) {
      HostConstraint k = constraintOf(children_[n.first + i]);
      if (k.any) {
        return HostConstraint{};
      }
      unionConstraint(c, k);
    }
    return c;
  }
  // And: any constrained child is a necessary condition; keep the narrowest one.
  HostConstraint best;
  for (std::uint32_t i = 0; i < n.count; ++i) {
    HostConstraint k = constraintOf(children_[n.first + i]);
    if (k.any) {
      continue;
    }
    auto weight = [](const HostConstraint& c) { return c.exact.size() + 4 * c.suffixes.size(); };
    if (best.any || weight(k) < weight(best)) {
      best = std::move(k);
    }
  }
  return best;
}

template <typename Leaf>
bool Program<Leaf>::exactHostsOnly() const {
  auto exact_leaf = [this](const ProgramNode& n) {
    if (n.op != ProgramNode::Op::Leaf || n.negated) {
      return false;
    }
    const HostPattern* h = leaves_[n.first].host();
    return h != nullptr && h->kind == HostPattern::Kind::Exact;
  };
  const ProgramNode& root = nodes_[root_];
  if (root.op == ProgramNode::Op::Leaf) {
    return exact_leaf(root);
  }
  if (root.op != ProgramNode::Op::Or) {
    return false;
  }
  for (std::uint32_t i = 0; i < root.count; ++i) {
    if (!exact_leaf(nodes_[children_[root.first + i]])) {
      return false;
    }
  }
  return true;
}

template <typename Leaf>
std::vector<const HostPattern*> Program<Leaf>::positiveHosts() const {
  std::vector<const HostPattern*> out;
  for (const ProgramNode& n : nodes_) {
    if (n.op != ProgramNode::Op::Leaf || n.negated) {
      continue;
    }
    const HostPattern* h = leaves_[n.first].host();
    if (h == nullptr) {
      continue;
    }
    bool dup = std::any_of(out.begin(), out.end(), [&](const HostPattern* o) {
      return o->kind == h->kind && o->value == h->value;
    });
    if (!dup) {
      out.push_back(h);
    }
  }
  return out;
}

}  // namespace pier::routing
