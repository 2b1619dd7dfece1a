// The Docker provider's `constraints` expression (spec B.2): which containers the provider
// considers, decided from their labels. Grammar (Go expression syntax, like rules):
//   Label(`name`, `value`)        label `name` equals `value` (a missing label is "")
//   LabelRegex(`name`, `re`)      RE2, unanchored, against the label value (missing = "")
//   a && b, a || b, !a, ( … )     string literals in back-quotes or double quotes
// An empty expression matches every container. Parsed (and regexes compiled) once; an invalid
// expression or regex is an error at start-up (documented: Traefik fails every container).
// Thread: any (immutable once parsed). No exceptions escape.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace pier::providers::docker {

class Constraints {
 public:
  /// Errors read: constraints "<expr>" column N: <what>.
  static Result<Constraints> parse(std::string_view expression);

  bool matches(const std::map<std::string, std::string>& labels) const;
  bool empty() const { return root_ == nullptr; }

  struct Node;  // implementation detail

 private:
  std::shared_ptr<const Node> root_;
};

}  // namespace pier::providers::docker
