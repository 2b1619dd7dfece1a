// replacePathRegex: when the regex matches the (escaped) path, every match is replaced with the
// replacement ($1, ${name}); the old path goes to the backend in X-Replaced-Path.
#include "middleware/replace_path_regex.h"

#include "middleware/path_util.h"
#include "routing/regex.h"

namespace pier::middleware {
namespace {

struct Options {
  std::string regex;
  std::string replacement;
};

template <class V>
void describe(V& v, Options& o) {
  v("regex", o.regex);
  v("replacement", o.replacement);
}

class ReplacePathRegex final : public Middleware {
 public:
  ReplacePathRegex(std::string name, routing::RegexPtr re, std::string replacement)
      : Middleware(std::move(name)), re_(std::move(re)), replacement_(std::move(replacement)) {}
  std::string_view kind() const override { return "replacePathRegex"; }

  Verdict onRequest(RequestContext& ctx) const override {
    std::string_view path = ctx.path();
    if (!re_->search(path)) {
      return Verdict::Continue;
    }
    std::string replaced = re_->replaceAll(path, replacement_);
    std::string unescaped;
    if (!pathUnescape(replaced, unescaped)) {
      return answerText(ctx, 500, "invalid URL escape in replaced path");
    }
    if (!unescaped.empty() && joinPathClean(unescaped) != unescaped) {
      return answerText(ctx, 400, "Bad Request");
    }
    ctx.head.headers.add("X-Replaced-Path", path);
    ctx.setPath(replaced.empty() ? "/" : replaced);
    return Verdict::Continue;
  }

 private:
  routing::RegexPtr re_;
  std::string replacement_;
};

}  // namespace

Result<MiddlewarePtr> makeReplacePathRegex(const BuildContext& b) {
  auto o = decodeOptions<Options>(b);
  if (!o) {
    return fail(o.error());
  }
  auto re = routing::Regex::compile(o->regex);
  if (!re) {
    return fail(optionError(b, "regex", re.error().message));
  }
  return std::make_shared<ReplacePathRegex>(b.name, std::move(*re), std::move(o->replacement));
}

}  // namespace pier::middleware
