// addPrefix: the configured prefix goes in front of the path.
#include "middleware/add_prefix.h"

#include "middleware/path_util.h"

namespace pier::middleware {
namespace {

struct Options {
  std::string prefix;
};

template <class V>
void describe(V& v, Options& o) {
  v("prefix", o.prefix);
}

class AddPrefix final : public Middleware {
 public:
  AddPrefix(std::string name, std::string prefix)
      : Middleware(std::move(name)), prefix_(std::move(prefix)) {}
  std::string_view kind() const override { return "addPrefix"; }

  Verdict onRequest(RequestContext& ctx) const override {
    std::string path = ensureLeadingSlash(prefix_ + std::string(ctx.path()));
    ctx.setPath(path);
    return Verdict::Continue;
  }

 private:
  std::string prefix_;
};

}  // namespace

Result<MiddlewarePtr> makeAddPrefix(const BuildContext& b) {
  auto o = decodeOptions<Options>(b);
  if (!o) {
    return fail(o.error());
  }
  if (o->prefix.empty()) {
    return fail(optionError(b, "prefix", "expected a non-empty path prefix such as /api"));
  }
  return std::make_shared<AddPrefix>(b.name, std::move(o->prefix));
}

}  // namespace pier::middleware
