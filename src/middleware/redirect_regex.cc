// redirectRegex: the regex is applied to scheme://host/path?query (host as in the Host header,
// scheme https only on TLS connections); a match whose replacement differs redirects there.
#include "middleware/redirect_regex.h"

#include "middleware/redirect_answer.h"
#include "routing/regex.h"

namespace pier::middleware {
namespace {

struct Options {
  std::string regex;
  std::string replacement;
  bool permanent = false;
};

template <class V>
void describe(V& v, Options& o) {
  v("regex", o.regex);
  v("replacement", o.replacement);
  v("permanent", o.permanent);
}

class RedirectRegex final : public Middleware {
 public:
  RedirectRegex(std::string name, routing::RegexPtr re, Options o)
      : Middleware(std::move(name)), re_(std::move(re)), o_(std::move(o)) {}
  std::string_view kind() const override { return "redirectRegex"; }

  Verdict onRequest(RequestContext& ctx) const override {
    const std::string* host = ctx.head.headers.get("Host");
    std::string url = std::string(ctx.tls ? "https" : "http") + "://" +
                      (host != nullptr ? *host : std::string()) + ctx.head.target;
    if (!re_->search(url)) {
      return Verdict::Continue;
    }
    std::string replaced = re_->replaceAll(url, o_.replacement);
    if (replaced == url) {
      return Verdict::Continue;
    }
    return answerRedirect(ctx, replaced, o_.permanent, 0);
  }

 private:
  routing::RegexPtr re_;
  Options o_;
};

}  // namespace

Result<MiddlewarePtr> makeRedirectRegex(const BuildContext& b) {
  auto o = decodeOptions<Options>(b);
  if (!o) {
    return fail(o.error());
  }
  auto re = routing::Regex::compile(o->regex);
  if (!re) {
    return fail(optionError(b, "regex", re.error().message));
  }
  return std::make_shared<RedirectRegex>(b.name, std::move(*re), std::move(*o));
}

}  // namespace pier::middleware
