// Compiled regular expression with Go (RE2) syntax and semantics; the only RE2 user (arch. §8).
// Thread: compile on the control thread; search() is const, lock-free and safe from any thread.
// Shared read-only through std::shared_ptr<const Regex> across routers and generations.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace re2 {
class RE2;
}

namespace pier::routing {

class Regex {
 public:
  // Error message is RE2's description of the fault (the caller adds rule and column).
  static Result<std::shared_ptr<const Regex>> compile(std::string_view pattern);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // Unanchored search, like Go's regexp.MatchString: true when the pattern matches anywhere.
  bool search(std::string_view text) const;
  const std::string& pattern() const { return pattern_; }

  // The leftmost match, as byte offsets into `text` (Go's FindStringIndex).
  struct Span {
    std::size_t begin = 0;
    std::size_t end = 0;
  };
  std::optional<Span> find(std::string_view text) const;
  // Go's ReplaceAllString: every non-overlapping match replaced by `tmpl` with $1, ${1},
  // $name and ${name} expanded (unknown groups expand to nothing, $$ is a dollar).
  std::string replaceAll(std::string_view text, std::string_view tmpl) const;

 private:
  Regex(std::string pattern, std::unique_ptr<re2::RE2> re);
  std::string pattern_;
  std::unique_ptr<re2::RE2> re_;
};

using RegexPtr = std::shared_ptr<const Regex>;

}  // namespace pier::routing
