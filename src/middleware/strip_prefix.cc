// stripPrefix: removes the first configured prefix the path starts with (a byte prefix, so
// `/api` also strips `/apiv2`), and tells the backend with X-Forwarded-Prefix.
#include "middleware/strip_prefix.h"

#include <vector>

#include "base/strings.h"
#include "middleware/path_util.h"

namespace pier::middleware {
namespace {

struct Options {
  std::vector<std::string> prefixes;
  bool force_slash = false;  // deprecated in Traefik v3; accepted
};

template <class V>
void describe(V& v, Options& o) {
  v("prefixes", o.prefixes);
  v("forceSlash", o.force_slash);
}

class StripPrefix final : public Middleware {
 public:
  StripPrefix(std::string name, std::vector<std::string> prefixes, bool force_slash)
      : Middleware(std::move(name)), prefixes_(std::move(prefixes)), force_slash_(force_slash) {}
  std::string_view kind() const override { return "stripPrefix"; }

  Verdict onRequest(RequestContext& ctx) const override {
    std::string_view path = ctx.path();
    for (const std::string& prefix : prefixes_) {
      if (!path.starts_with(prefix)) {
        continue;
      }
      std::string_view rest = path.substr(prefix.size());
      std::string stripped;
      if (force_slash_) {
        if (rest.starts_with('/')) {
          rest.remove_prefix(1);
        }
        stripped = "/" + std::string(rest);
      } else {
        stripped = ensureLeadingSlash(rest);
      }
      if (!stripped.empty() && joinPathClean(stripped) != stripped) {
        return answerText(ctx, 400, "Bad Request");
      }
      ctx.setPath(stripped.empty() ? "/" : stripped);
      ctx.head.headers.add("X-Forwarded-Prefix", base::trim(prefix));
      break;
    }
    return Verdict::Continue;
  }

 private:
  std::vector<std::string> prefixes_;
  bool force_slash_;
};

}  // namespace

Result<MiddlewarePtr> makeStripPrefix(const BuildContext& b) {
  auto o = decodeOptions<Options>(b);
  if (!o) {
    return fail(o.error());
  }
  return std::make_shared<StripPrefix>(b.name, std::move(o->prefixes), o->force_slash);
}

}  // namespace pier::middleware
