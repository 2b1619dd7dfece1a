// stripPrefixRegex: the first regex whose (non-empty) match is a prefix of the path removes it,
// and the matched text goes to the backend in X-Forwarded-Prefix.
#include "middleware/strip_prefix_regex.h"

#include <vector>

#include "middleware/path_util.h"
#include "routing/regex.h"

namespace pier::middleware {
namespace {

struct Options {
  std::vector<std::string> regex;
};

template <class V>
void describe(V& v, Options& o) {
  v("regex", o.regex);
}

class StripPrefixRegex final : public Middleware {
 public:
  StripPrefixRegex(std::string name, std::vector<routing::RegexPtr> expressions)
      : Middleware(std::move(name)), expressions_(std::move(expressions)) {}
  std::string_view kind() const override { return "stripPrefixRegex"; }

  Verdict onRequest(RequestContext& ctx) const override {
    std::string_view path = ctx.path();
    for (const routing::RegexPtr& re : expressions_) {
      auto span = re->find(path);
      if (!span || span->end == span->begin) {
        continue;
      }
      std::string prefix(path.substr(span->begin, span->end - span->begin));
      if (!path.starts_with(prefix)) {
        continue;
      }
      std::string stripped = ensureLeadingSlash(path.substr(prefix.size()));
      if (!stripped.empty() && joinPathClean(stripped) != stripped) {
        return answerText(ctx, 400, "Bad Request");
      }
      ctx.head.headers.add("X-Forwarded-Prefix", prefix);
      ctx.setPath(stripped.empty() ? "/" : stripped);
      break;
    }
    return Verdict::Continue;
  }

 private:
  std::vector<routing::RegexPtr> expressions_;
};

}  // namespace

Result<MiddlewarePtr> makeStripPrefixRegex(const BuildContext& b) {
  auto o = decodeOptions<Options>(b);
  if (!o) {
    return fail(o.error());
  }
  std::vector<routing::RegexPtr> expressions;
  for (std::size_t i = 0; i < o->regex.size(); ++i) {
    auto re = routing::Regex::compile(o->regex[i]);
    if (!re) {
      return fail(optionError(b, "regex[" + std::to_string(i) + "]", re.error().message));
    }
    expressions.push_back(std::move(*re));
  }
  return std::make_shared<StripPrefixRegex>(b.name, std::move(expressions));
}

}  // namespace pier::middleware
