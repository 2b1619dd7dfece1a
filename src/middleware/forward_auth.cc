// forwardAuth (spec E.3): each request is first described to an authentication server (GET to
// `address` with the client's headers and X-Forwarded-*); a 2xx answer lets the request go on
// with some of the server's headers copied into it, anything else is sent back to the client.
// The call is asynchronous: onRequest() starts it through ctx.http and suspends the chain.
#include "middleware/forward_auth.h"

#include <algorithm>

#include "base/strings.h"
#include "http/forwarded.h"
#include "routing/regex.h"
#include "tls/client_tls.h"

namespace pier::middleware {
namespace {

struct TlsOptions {
  std::string ca;
  std::string cert;
  std::string key;
  bool insecure_skip_verify = false;
  bool ca_optional = false;  // deprecated in Traefik, ignored
};

template <class V>
void describe(V& v, TlsOptions& o) {
  v("ca", o.ca);
  v("cert", o.cert);
  v("key", o.key);
  v("insecureSkipVerify", o.insecure_skip_verify);
  v("caOptional", o.ca_optional);
}

struct Options {
  std::string address;
  std::optional<TlsOptions> tls;
  std::optional<bool> trust_forward_header;
  std::vector<std::string> auth_response_headers;
  std::string auth_response_headers_regex;
  std::vector<std::string> auth_request_headers;
  std::vector<std::string> add_auth_cookies_to_response;
  bool forward_body = false;
  std::optional<std::int64_t> max_body_size;
  std::optional<std::int64_t> max_response_body_size;
  bool preserve_location_header = false;
  bool preserve_request_method = false;
  std::string auth_signin_url;
  std::string header_field;
};

template <class V>
void describe(V& v, Options& o) {
  v("address", o.address);
  v("tls", o.tls);
  v("trustForwardHeader", o.trust_forward_header);
  v("authResponseHeaders", o.auth_response_headers);
  v("authResponseHeadersRegex", o.auth_response_headers_regex);
  v("authRequestHeaders", o.auth_request_headers);
  v("addAuthCookiesToResponse", o.add_auth_cookies_to_response);
  v("forwardBody", o.forward_body);
  v("maxBodySize", o.max_body_size);
  v("maxResponseBodySize", o.max_response_body_size);
  v("preserveLocationHeader", o.preserve_location_header);
  v("preserveRequestMethod", o.preserve_request_method);
  v("authSigninURL", o.auth_signin_url);
  v("headerField", o.header_field);
}

// Traefik's list for the auth request: Proxy-Authorization deliberately goes through.
constexpr std::string_view kAuthHopHeaders[] = {"Connection", "Keep-Alive",        "Te",
                                                "Trailers",   "Transfer-Encoding", "Upgrade"};

void removeAuthHopHeaders(http::HeaderMap& h) {
  std::vector<std::string> named;
  h.forEach("Connection", [&](std::string_view value) {
    for (std::string& token : base::splitTrim(value, ',')) {
      named.push_back(std::move(token));
    }
  });
  for (const std::string& n : named) {
    h.remove(n);
  }
  for (std::string_view n : kAuthHopHeaders) {
    h.remove(n);
  }
}

// Set-Cookie's cookie name (text before '=').
std::string_view cookieName(std::string_view set_cookie) {
  return base::trim(set_cookie.substr(0, set_cookie.find('=')));
}

bool listed(const std::vector<std::string>& names, std::string_view name, bool ignore_case) {
  return std::any_of(names.begin(), names.end(), [&](const std::string& n) {
    return ignore_case ? base::iequals(n, name) : n == name;
  });
}

class ForwardAuth final : public Middleware {
 public:
  ForwardAuth(std::string name, Options o, HttpUrl url,
              std::shared_ptr<const tls::ClientContext> tls,
              std::shared_ptr<const routing::Regex> regex)
      : Middleware(std::move(name)),
        o_(std::move(o)),
        url_(std::move(url)),
        tls_(std::move(tls)),
        regex_(std::move(regex)) {
    if (o_.trust_forward_header.value_or(false) && !o_.auth_request_headers.empty()) {
      for (std::string_view x :
           {"X-Forwarded-Proto", "X-Forwarded-Scheme", "X-Forwarded-For", "X-Forwarded-Host",
            "X-Forwarded-Port", "X-Forwarded-Server", "X-Forwarded-Uri", "X-Forwarded-Method",
            "X-Forwarded-Prefix", "X-Forwarded-Tls-Client-Cert", "X-Forwarded-Tls-Client-Cert-Info",
            "X-Scheme", "X-Real-Ip"}) {
        o_.auth_request_headers.emplace_back(x);
      }
    }
  }
  std::string_view kind() const override { return "forwardAuth"; }
  bool maySuspend() const override { return true; }
  bool hasResponseHook() const override { return !o_.add_auth_cookies_to_response.empty(); }

  Verdict onRequest(RequestContext& ctx) const override {
    if (!ctx.http) {
      return internalError(ctx);  // the proxy did not wire the call (cannot happen)
    }
    OutgoingRequest req;
    req.host = url_.host;
    req.port = url_.port;
    req.https = url_.https;
    req.tls = tls_;
    req.authority = url_.authority;
    req.target = url_.target;
    req.method = o_.preserve_request_method ? ctx.head.method : "GET";
    req.headers = authRequestHeaders(ctx.head, ctx.peer, ctx.tls, o_.trust_forward_header,
                                     o_.auth_request_headers);
    req.headers.remove("Host");
    if (o_.max_response_body_size && *o_.max_response_body_size >= 0) {
      req.max_response_body = static_cast<std::size_t>(*o_.max_response_body_size);
    }
    auto self = std::static_pointer_cast<const ForwardAuth>(shared_from_this());
    bool started = ctx.http(std::move(req), [self, &ctx](IncomingResponse&& r) {
      ctx.resume(self->decide(ctx, std::move(r)));
    });
    return started ? Verdict::Suspend : internalError(ctx);
  }

  void onResponse(const ResponseContext&, http::ResponseHead& head) const override {
    // The backend's cookies that the auth server's replace are dropped; the auth server's are
    // added by the proxy afterwards (RequestContext::extra_response_headers).
    std::erase_if(head.headers.fields(), [&](const http::HeaderField& f) {
      return base::iequals(f.name, "Set-Cookie") &&
             listed(o_.add_auth_cookies_to_response, cookieName(f.value), false);
    });
  }

 private:
  static Verdict internalError(RequestContext& ctx) {
    ctx.answer = LocalAnswer{};
    ctx.answer.status = 500;
    return Verdict::Answer;
  }

  Verdict decide(RequestContext& ctx, IncomingResponse&& r) const {
    if (!r.ok) {
      return internalError(ctx);  // unreachable, timed out, or a broken answer
    }
    if (r.body_too_large) {
      ctx.answer = LocalAnswer{};
      ctx.answer.status = 401;
      return Verdict::Answer;
    }
    if (!o_.auth_signin_url.empty() && r.status == 401) {
      ctx.answer = LocalAnswer{};
      ctx.answer.status = 302;
      ctx.answer.headers.set("Location", o_.auth_signin_url);
      if (ctx.head.method == "GET" || ctx.head.method == "HEAD") {
        ctx.answer.headers.set("Content-Type", "text/html; charset=utf-8");
        ctx.answer.body = "<a href=\"" + o_.auth_signin_url + "\">Found</a>.\n\n";
      }
      return Verdict::Answer;
    }
    if (r.status < 200 || r.status >= 300) {
      ctx.answer = LocalAnswer{};
      ctx.answer.status = r.status;
      ctx.answer.headers = std::move(r.headers);
      removeAuthHopHeaders(ctx.answer.headers);
      if (!o_.preserve_location_header) {
        if (const std::string* loc = ctx.answer.headers.get("Location"); loc != nullptr) {
          ctx.answer.headers.set("Location", absoluteLocation(url_, *loc));
        }
      }
      ctx.answer.body = std::move(r.body);
      return Verdict::Answer;
    }
    http::HeaderMap& h = ctx.head.headers;
    for (const std::string& name : o_.auth_response_headers) {
      h.remove(name);
      r.headers.forEach(name, [&](std::string_view v) { h.add(name, v); });
    }
    if (regex_ != nullptr) {
      std::erase_if(h.fields(), [&](const http::HeaderField& f) { return regex_->search(f.name); });
      for (const http::HeaderField& f : r.headers) {
        if (regex_->search(f.name)) {
          h.add(f.name, f.value);
        }
      }
    }
    if (!o_.add_auth_cookies_to_response.empty()) {
      r.headers.forEach("Set-Cookie", [&](std::string_view v) {
        if (listed(o_.add_auth_cookies_to_response, cookieName(v), false)) {
          ctx.extra_response_headers.add("Set-Cookie", v);
        }
      });
    }
    return Verdict::Continue;
  }

  Options o_;
  HttpUrl url_;
  std::shared_ptr<const tls::ClientContext> tls_;
  std::shared_ptr<const routing::Regex> regex_;
};

}  // namespace

Result<HttpUrl> parseHttpUrl(std::string_view url) {
  HttpUrl out;
  std::string_view rest;
  if (url.size() >= 7 && base::iequals(url.substr(0, 7), "http://")) {
    rest = url.substr(7);
  } else if (url.size() >= 8 && base::iequals(url.substr(0, 8), "https://")) {
    out.https = true;
    out.port = 443;
    rest = url.substr(8);
  } else {
    return fail(
        Error::config("expected an http:// or https:// URL, got \"" + std::string(url) + "\""));
  }
  std::size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view target = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  target = target.substr(0, target.find('#'));
  if (authority.find('@') != std::string_view::npos) {
    return fail(Error::config("user information in the URL is not supported: \"" +
                              std::string(url) + "\""));
  }
  std::string_view host = authority;
  std::string_view port;
  if (host.starts_with('[')) {
    std::size_t close = host.find(']');
    if (close == std::string_view::npos) {
      return fail(Error::config("unclosed '[' in \"" + std::string(url) + "\""));
    }
    if (close + 1 < host.size()) {
      if (host[close + 1] != ':') {
        return fail(Error::config("bad host in \"" + std::string(url) + "\""));
      }
      port = host.substr(close + 2);
    }
    host = host.substr(1, close - 1);
  } else if (std::size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  if (host.empty()) {
    return fail(Error::config("no host in \"" + std::string(url) + "\""));
  }
  if (!port.empty()) {
    unsigned long long p = 0;
    if (!base::parseUint64(port, p) || p == 0 || p > 65535) {
      return fail(Error::config("bad port in \"" + std::string(url) + "\""));
    }
    out.port = static_cast<std::uint16_t>(p);
  }
  out.host = std::string(host);
  out.authority = std::string(authority);
  out.target = target.empty() ? "/" : std::string(target);
  if (!out.target.starts_with('/')) {
    out.target.insert(0, "/");
  }
  out.scheme_and_host = std::string(out.https ? "https://" : "http://") + out.authority;
  return out;
}

http::HeaderMap authRequestHeaders(const http::RequestHead& request, const base::IpAddress& peer,
                                   bool tls, std::optional<bool> trust,
                                   const std::vector<std::string>& allowed) {
  http::HeaderMap h = request.headers;
  removeAuthHopHeaders(h);
  if (trust && !*trust) {
    std::erase_if(h.fields(), [](const http::HeaderField& f) {
      return http::isManagedForwardedHeader(f.name);
    });
  }
  if (!allowed.empty()) {
    http::HeaderMap filtered;
    for (const std::string& name : allowed) {
      h.forEach(name, [&](std::string_view v) { filtered.add(name, v); });
    }
    h = std::move(filtered);
  }
  const std::string* host_field = request.headers.get("Host");
  std::string host = host_field != nullptr ? *host_field : std::string();
  std::string peer_ip = peer.toString();
  if (!trust) {
    // Traefik's legacy behaviour (trustForwardHeader unset): these five are overwritten, other
    // X-Forwarded-* pass unchanged.
    h.set("X-Forwarded-For", peer_ip);
    h.set("X-Forwarded-Proto", tls ? "https" : "http");
    h.set("X-Forwarded-Method", request.method);
    h.set("X-Forwarded-Host", host);
    h.set("X-Forwarded-Uri", request.target);
    return h;
  }
  std::string xff;
  h.forEach("X-Forwarded-For", [&](std::string_view v) {
    xff += xff.empty() ? "" : ", ";
    xff += v;
  });
  bool had_xff = h.has("X-Forwarded-For");
  h.set("X-Forwarded-For", had_xff ? xff + ", " + peer_ip : peer_ip);
  if (!h.has("X-Forwarded-Method")) {
    h.set("X-Forwarded-Method", request.method);
  }
  if (!h.has("X-Forwarded-Proto")) {
    h.set("X-Forwarded-Proto", tls ? "https" : "http");
  }
  if (!h.has("X-Forwarded-Port")) {
    std::string port;
    std::size_t colon = host.rfind(':');
    if (colon != std::string::npos && host.find(']', colon) == std::string::npos) {
      port = host.substr(colon + 1);
    }
    if (port.empty()) {
      const std::string* proto = h.get("X-Forwarded-Proto");
      bool secure = tls || (proto != nullptr && (*proto == "https" || *proto == "wss"));
      port = secure ? "443" : "80";
    }
    h.set("X-Forwarded-Port", port);
  }
  if (!h.has("X-Forwarded-Host")) {
    h.set("X-Forwarded-Host", host);
  }
  if (!h.has("X-Forwarded-Uri")) {
    h.set("X-Forwarded-Uri", request.target);
  }
  return h;
}

std::string absoluteLocation(const HttpUrl& base, std::string_view location) {
  if (location.empty()) {
    return std::string();
  }
  std::size_t colon = location.find(':');
  std::size_t slash = location.find('/');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon < slash)) {
    return std::string(location);  // has a scheme
  }
  if (location.starts_with("//")) {
    return std::string(base.https ? "https:" : "http:") + std::string(location);
  }
  if (location.starts_with('/')) {
    return base.scheme_and_host + std::string(location);
  }
  // Relative path: resolved against the auth URL's directory.
  std::string_view path = std::string_view(base.target).substr(0, base.target.find('?'));
  std::string dir(path.substr(0, path.rfind('/') + 1));
  return base.scheme_and_host + dir + std::string(location);
}

Result<MiddlewarePtr> makeForwardAuth(const BuildContext& b) {
  auto o = decodeOptions<Options>(b);
  if (!o) {
    return fail(o.error());
  }
  if (o->address.empty()) {
    return fail(optionError(b, "address", "expected the URL of the authentication server"));
  }
  auto url = parseHttpUrl(o->address);
  if (!url) {
    return fail(optionError(b, "address", url.error().message));
  }
  if (o->forward_body) {
    return fail(optionError(b, "forwardBody",
                            "forwarding the request body is not supported by Pier yet "
                            "(see docs/differences.md)"));
  }
  std::shared_ptr<const routing::Regex> regex;
  if (!o->auth_response_headers_regex.empty()) {
    auto re = routing::Regex::compile(o->auth_response_headers_regex);
    if (!re) {
      return fail(optionError(b, "authResponseHeadersRegex", re.error().message));
    }
    regex = *re;
  }
  std::shared_ptr<const tls::ClientContext> tls;
  if (url->https) {
    tls::ClientTlsSettings settings;
    if (o->tls) {
      settings.insecure_skip_verify = o->tls->insecure_skip_verify;
      if (!o->tls->ca.empty()) {
        settings.root_cas.push_back(o->tls->ca);
      }
      if (!o->tls->cert.empty() || !o->tls->key.empty()) {
        if (o->tls->cert.empty() || o->tls->key.empty()) {
          return fail(optionError(b, "tls", "cert and key go together"));
        }
        settings.certificates.push_back(config::CertificateFiles{o->tls->cert, o->tls->key});
      }
    }
    auto ctx = tls::buildClientContext(settings);
    if (!ctx) {
      return fail(optionError(b, "tls", ctx.error().message));
    }
    tls = *ctx;
  }
  return MiddlewarePtr(std::make_shared<ForwardAuth>(b.name, std::move(*o), std::move(*url),
                                                     std::move(tls), std::move(regex)));
}

}  // namespace pier::middleware
