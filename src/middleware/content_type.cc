// contentType: in Traefik it re-enables Go's MIME sniffing for responses that have no
// Content-Type. Pier never sniffs and never adds a Content-Type the backend did not send, which
// is Traefik's default; the kind is accepted so configurations keep working, and autoDetect
// (deprecated) is accepted too. See docs/differences.md.
#include "middleware/content_type.h"

namespace pier::middleware {
namespace {

struct Options {
  bool auto_detect = false;
};

template <class V>
void describe(V& v, Options& o) {
  v("autoDetect", o.auto_detect);
}

class ContentType final : public Middleware {
 public:
  explicit ContentType(std::string name) : Middleware(std::move(name)) {}
  std::string_view kind() const override { return "contentType"; }
  Verdict onRequest(RequestContext&) const override { return Verdict::Continue; }
};

}  // namespace

Result<MiddlewarePtr> makeContentType(const BuildContext& b) {
  auto o = decodeOptions<Options>(b);
  if (!o) {
    return fail(o.error());
  }
  return std::make_shared<ContentType>(b.name);
}

}  // namespace pier::middleware
