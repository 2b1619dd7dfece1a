// redirectScheme: redirects to the configured scheme (and port) unless the request already
// uses them. The current scheme is https on TLS connections, overridden by X-Forwarded-Proto
// (http/ws, https/wss), which the entry point has set or vetted before routing.
#include "middleware/redirect_scheme.h"

#include "base/strings.h"
#include "middleware/redirect_answer.h"

namespace pier::middleware {
namespace {

struct Options {
  std::string scheme;
  std::string port;
  bool permanent = false;
  bool force_permanent_redirect = false;
};

template <class V>
void describe(V& v, Options& o) {
  v("scheme", o.scheme);
  v("port", o.port);
  v("permanent", o.permanent);
  v("forcePermanentRedirect", o.force_permanent_redirect);
}

class RedirectScheme final : public Middleware {
 public:
  RedirectScheme(std::string name, Options o) : Middleware(std::move(name)), o_(std::move(o)) {
    if (!o_.port.empty() &&
        !((o_.scheme == "http" && o_.port == "80") || (o_.scheme == "https" && o_.port == "443"))) {
      port_suffix_ = ":" + o_.port;
    }
  }
  std::string_view kind() const override { return "redirectScheme"; }

  Verdict onRequest(RequestContext& ctx) const override {
    const std::string* host_header = ctx.head.headers.get("Host");
    std::string_view host;
    std::string_view port;
    splitHostPort(host_header != nullptr ? std::string_view(*host_header) : std::string_view(),
                  host, port);
    std::string_view scheme = ctx.tls ? "https" : "http";
    if (const std::string* proto = ctx.head.headers.get("X-Forwarded-Proto")) {
      if (base::iequals(*proto, "http") || base::iequals(*proto, "ws")) {
        scheme = "http";
      } else if (base::iequals(*proto, "https") || base::iequals(*proto, "wss")) {
        scheme = "https";
      }
    }
    if ((scheme == "http" && port == ":80") || (scheme == "https" && port == ":443")) {
      port = {};
    }
    const std::string& uri = ctx.head.target;
    std::string current = std::string(scheme) + "://" + std::string(host) + std::string(port) + uri;
    std::string target = o_.scheme + "://" + std::string(host) + port_suffix_ + uri;
    if (current == target) {
      return Verdict::Continue;
    }
    return answerRedirect(ctx, target, o_.permanent, o_.force_permanent_redirect ? 308 : 0);
  }

 private:
  Options o_;
  std::string port_suffix_;
};

}  // namespace

Result<MiddlewarePtr> makeRedirectScheme(const BuildContext& b) {
  auto o = decodeOptions<Options>(b);
  if (!o) {
    return fail(o.error());
  }
  if (o->scheme.empty()) {
    return fail(optionError(b, "scheme", "a target scheme is required (e.g. https)"));
  }
  return std::make_shared<RedirectScheme>(b.name, std::move(*o));
}

}  // namespace pier::middleware
