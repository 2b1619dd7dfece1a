// The Docker provider's `defaultRule`: the subset of Go text/template (plus the sprig functions
// Traefik's documentation uses) that builds a rule for a router without `rule` (spec B.7).
//
// Supported: literal text; actions `{{ pipeline }}` with `{{-`/`-}}` trimming and `{{/* */}}`
// comments; `.`, `.Name`, `.ContainerName`, `.Labels`, `.Labels.key`, `$`, `$x := pipeline`,
// `$x = pipeline`, `$x.field`; string ("…", `…`), integer, true/false/nil literals; pipelines
// `a | f x`; parenthesised pipelines; `if`/`else if`/`else`/`end`; `with`/`else with`/`else`/
// `end`. Functions: see defaultRuleFunctions(). `range`, `define`, `template`, `block`, `break`,
// `continue` and unknown functions are parse errors naming the construct and its column.
//
// Parse errors stop the Docker provider (spec I.2); render errors drop only the router being
// built (spec B.7). Thread: any (immutable once parsed). No exceptions escape.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace pier::providers::docker {

/// Traefik's name normalisation (spec B.5): every maximal run of characters that are not Unicode
/// letters or digits becomes one `-`; leading and trailing runs are dropped.
/// `/my_app.v2` -> `my-app-v2`. Non-ASCII code points count as letters except common Unicode
/// punctuation and spaces (Docker and Compose names are ASCII anyway).
std::string normalize(std::string_view name);

/// The data a defaultRule template sees (spec B.7).
struct TemplateData {
  std::string name;                                            // .Name (normalised)
  std::string container_name;                                  // .ContainerName (no leading /)
  const std::map<std::string, std::string>* labels = nullptr;  // .Labels (may be null: empty)
};

class DefaultRuleTemplate {
 public:
  /// Parses once. Errors read: defaultRule "<text>" column N: <what>.
  static Result<DefaultRuleTemplate> parse(std::string_view text);

  /// Renders for one container. Errors read: defaultRule "<text>" column N: <what>.
  Result<std::string> render(const TemplateData& data) const;

  const std::string& text() const;

  struct Program;  // implementation detail

 private:
  std::shared_ptr<const Program> program_;
};

/// Names of the template functions Pier implements, sorted (for docs and error messages).
const std::vector<std::string>& defaultRuleFunctions();

}  // namespace pier::providers::docker
