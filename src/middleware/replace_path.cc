// replacePath: the path becomes the configured one; the old (escaped) path goes to the backend
// in X-Replaced-Path.
#include "middleware/replace_path.h"

#include "middleware/path_util.h"

namespace pier::middleware {
namespace {

struct Options {
  std::string path;
};

template <class V>
void describe(V& v, Options& o) {
  v("path", o.path);
}

class ReplacePath final : public Middleware {
 public:
  ReplacePath(std::string name, std::string path)
      : Middleware(std::move(name)), path_(std::move(path)) {}
  std::string_view kind() const override { return "replacePath"; }

  Verdict onRequest(RequestContext& ctx) const override {
    std::string unescaped;
    if (!pathUnescape(path_, unescaped)) {
      return answerText(ctx, 500, "invalid URL escape in replacement path");
    }
    ctx.head.headers.add("X-Replaced-Path", ctx.path());
    ctx.setPath(path_);
    return Verdict::Continue;
  }

 private:
  std::string path_;
};

}  // namespace

Result<MiddlewarePtr> makeReplacePath(const BuildContext& b) {
  auto o = decodeOptions<Options>(b);
  if (!o) {
    return fail(o.error());
  }
  return std::make_shared<ReplacePath>(b.name, std::move(o->path));
}

}  // namespace pier::middleware
