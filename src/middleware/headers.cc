// headers: custom request/response headers, CORS (preflight answered here) and the security
// headers. Mirrors Traefik's composition: the custom/CORS part wraps the security part, so on
// the way back the security headers are set first and custom response headers can override them.
#include "middleware/headers.h"

#include <algorithm>
#include <map>
#include <optional>
#include <vector>

#include "base/strings.h"
#include "middleware/path_util.h"
#include "routing/regex.h"

namespace pier::middleware {
namespace {

struct Options {
  std::map<std::string, std::string> custom_request_headers;
  std::map<std::string, std::string> custom_response_headers;
  bool access_control_allow_credentials = false;
  std::vector<std::string> access_control_allow_headers;
  std::vector<std::string> access_control_allow_methods;
  std::vector<std::string> access_control_allow_origin_list;
  std::vector<std::string> access_control_allow_origin_list_regex;
  std::vector<std::string> access_control_expose_headers;
  std::optional<std::int64_t> access_control_max_age;
  bool add_vary_header = false;
  std::vector<std::string> allowed_hosts;
  std::vector<std::string> hosts_proxy_headers;
  std::map<std::string, std::string> ssl_proxy_headers;
  std::optional<std::int64_t> sts_seconds;
  bool sts_include_subdomains = false;
  bool sts_preload = false;
  bool force_sts_header = false;
  bool frame_deny = false;
  std::string custom_frame_options_value;
  bool content_type_nosniff = false;
  bool browser_xss_filter = false;
  std::string custom_browser_xss_value;
  std::string content_security_policy;
  std::string content_security_policy_report_only;
  std::string public_key;
  std::string referrer_policy;
  std::string permissions_policy;
  bool is_development = false;
  // Deprecated in Traefik v3 and without effect there: accepted and ignored.
  std::optional<bool> ssl_redirect;
  std::optional<bool> ssl_temporary_redirect;
  std::string ssl_host;
  std::optional<bool> ssl_force_host;
  std::string feature_policy;
};

template <class V>
void describe(V& v, Options& o) {
  v("customRequestHeaders", o.custom_request_headers);
  v("customResponseHeaders", o.custom_response_headers);
  v("accessControlAllowCredentials", o.access_control_allow_credentials);
  v("accessControlAllowHeaders", o.access_control_allow_headers);
  v("accessControlAllowMethods", o.access_control_allow_methods);
  v("accessControlAllowOriginList", o.access_control_allow_origin_list);
  v("accessControlAllowOriginListRegex", o.access_control_allow_origin_list_regex);
  v("accessControlExposeHeaders", o.access_control_expose_headers);
  v("accessControlMaxAge", o.access_control_max_age);
  v("addVaryHeader", o.add_vary_header);
  v("allowedHosts", o.allowed_hosts);
  v("hostsProxyHeaders", o.hosts_proxy_headers);
  v("sslProxyHeaders", o.ssl_proxy_headers);
  v("stsSeconds", o.sts_seconds);
  v("stsIncludeSubdomains", o.sts_include_subdomains);
  v("stsPreload", o.sts_preload);
  v("forceSTSHeader", o.force_sts_header);
  v("frameDeny", o.frame_deny);
  v("customFrameOptionsValue", o.custom_frame_options_value);
  v("contentTypeNosniff", o.content_type_nosniff);
  v("browserXssFilter", o.browser_xss_filter);
  v("customBrowserXSSValue", o.custom_browser_xss_value);
  v("contentSecurityPolicy", o.content_security_policy);
  v("contentSecurityPolicyReportOnly", o.content_security_policy_report_only);
  v("publicKey", o.public_key);
  v("referrerPolicy", o.referrer_policy);
  v("permissionsPolicy", o.permissions_policy);
  v("isDevelopment", o.is_development);
  v("sslRedirect", o.ssl_redirect, config::kUnsupported);
  v("sslTemporaryRedirect", o.ssl_temporary_redirect, config::kUnsupported);
  v("sslHost", o.ssl_host, config::kUnsupported);
  v("sslForceHost", o.ssl_force_host, config::kUnsupported);
  v("featurePolicy", o.feature_policy, config::kUnsupported);
}

bool contains(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

std::string joinComma(const std::vector<std::string>& list) {
  std::string out;
  for (const std::string& s : list) {
    out += (out.empty() ? "" : ",") + s;
  }
  return out;
}

class Headers final : public Middleware {
 public:
  Headers(std::string name, Options o, std::vector<routing::RegexPtr> origin_regexes)
      : Middleware(std::move(name)), o_(std::move(o)), origin_regexes_(std::move(origin_regexes)) {
    custom_ = !o_.custom_request_headers.empty() || !o_.custom_response_headers.empty();
    cors_ = o_.access_control_allow_credentials || !o_.access_control_allow_headers.empty() ||
            !o_.access_control_allow_methods.empty() ||
            !o_.access_control_allow_origin_list.empty() || !origin_regexes_.empty() ||
            !o_.access_control_expose_headers.empty() || o_.access_control_max_age ||
            o_.add_vary_header;
    secure_ = !o_.allowed_hosts.empty() || !o_.hosts_proxy_headers.empty() ||
              !o_.ssl_proxy_headers.empty() || o_.sts_seconds || o_.sts_include_subdomains ||
              o_.sts_preload || o_.force_sts_header || o_.frame_deny ||
              !o_.custom_frame_options_value.empty() || o_.content_type_nosniff ||
              o_.browser_xss_filter || !o_.custom_browser_xss_value.empty() ||
              !o_.content_security_policy.empty() ||
              !o_.content_security_policy_report_only.empty() || !o_.public_key.empty() ||
              !o_.referrer_policy.empty() || !o_.permissions_policy.empty() || o_.is_development;
  }
  std::string_view kind() const override { return "headers"; }
  bool valid() const { return custom_ || cors_ || secure_; }

  Verdict onRequest(RequestContext& ctx) const override {
    http::HeaderMap& h = ctx.head.headers;
    if (cors_ && ctx.head.method == "OPTIONS") {
      const std::string* method = h.get("Access-Control-Request-Method");
      const std::string* origin = h.get("Origin");
      if (method != nullptr && !method->empty() && origin != nullptr && !origin->empty()) {
        return preflight(ctx, *method, *origin);
      }
    }
    for (const auto& [name, value] : o_.custom_request_headers) {
      if (value.empty()) {
        h.remove(name);
        if (base::iequals(name, "X-Forwarded-For")) {
          ctx.omit_forwarded_for = true;  // Traefik: the reverse proxy then adds none either
        }
      } else {
        h.set(base::iequals(name, "Host") ? std::string_view("Host") : std::string_view(name),
              value);
      }
    }
    if (secure_ && !o_.is_development && !o_.allowed_hosts.empty()) {
      std::string host;
      if (const std::string* v = h.get("Host")) {
        host = *v;
      }
      for (const std::string& proxy_header : o_.hosts_proxy_headers) {
        const std::string* v = h.get(proxy_header);
        if (v != nullptr && !v->empty()) {
          host = *v;
          break;
        }
      }
      bool good = std::any_of(o_.allowed_hosts.begin(), o_.allowed_hosts.end(),
                              [&](const std::string& a) { return base::iequals(a, host); });
      if (!good) {
        answerText(ctx, 500, "Bad Host");
        // The custom/CORS part wraps the security part: its response edits still apply.
        http::ResponseHead head;
        head.headers = std::move(ctx.answer.headers);
        ResponseContext rc;
        rc.request_headers = &ctx.head.headers;
        applyCustomResponse(rc, head);
        ctx.answer.headers = std::move(head.headers);
        return Verdict::Answer;
      }
    }
    return Verdict::Continue;
  }

  bool hasResponseHook() const override { return true; }
  bool needsRequestHeadersOnResponse() const override {
    return cors_ || !o_.ssl_proxy_headers.empty();
  }

  void onResponse(const ResponseContext& rc, http::ResponseHead& head) const override {
    if (secure_) {
      applySecure(rc, head);
    }
    applyCustomResponse(rc, head);
  }

 private:
  std::optional<std::string> matchOrigin(std::string_view origin) const {
    for (const std::string& item : o_.access_control_allow_origin_list) {
      if (item == origin) {
        return item;
      }
      if (item == "*") {
        return o_.access_control_allow_credentials ? std::string(origin) : item;
      }
    }
    for (const routing::RegexPtr& re : origin_regexes_) {
      if (re->search(origin)) {
        return std::string(origin);
      }
    }
    return std::nullopt;
  }

  bool exposeAllowed() const {
    return !o_.access_control_expose_headers.empty() &&
           !(contains(o_.access_control_expose_headers, "*") &&
             o_.access_control_allow_credentials);
  }

  Verdict preflight(RequestContext& ctx, const std::string& method,
                    const std::string& origin) const {
    http::HeaderMap& out = ctx.answer.headers;
    out.clear();
    bool creds = o_.access_control_allow_credentials;
    if (creds) {
      out.set("Access-Control-Allow-Credentials", "true");
    }
    if (contains(o_.access_control_allow_headers, "*") && creds) {
      const std::string* acrh = ctx.head.headers.get("Access-Control-Request-Headers");
      if (acrh != nullptr && !acrh->empty()) {
        out.set("Access-Control-Allow-Headers", *acrh);
      }
    } else if (!o_.access_control_allow_headers.empty()) {
      out.set("Access-Control-Allow-Headers", joinComma(o_.access_control_allow_headers));
    }
    if (contains(o_.access_control_allow_methods, "*") && creds) {
      out.set("Access-Control-Allow-Methods", method);
    } else if (!o_.access_control_allow_methods.empty()) {
      out.set("Access-Control-Allow-Methods", joinComma(o_.access_control_allow_methods));
    }
    if (auto match = matchOrigin(origin)) {
      out.set("Access-Control-Allow-Origin", *match);
    }
    if (o_.access_control_max_age) {
      out.set("Access-Control-Max-Age", std::to_string(*o_.access_control_max_age));
    }
    if (exposeAllowed()) {
      out.set("Access-Control-Expose-Headers", joinComma(o_.access_control_expose_headers));
    }
    out.set("Content-Length", "0");
    ctx.answer.status = 200;
    ctx.answer.body.clear();
    return Verdict::Answer;
  }

  void applyCustomResponse(const ResponseContext& rc, http::ResponseHead& head) const {
    http::HeaderMap& h = head.headers;
    for (const auto& [name, value] : o_.custom_response_headers) {
      if (value.empty()) {
        h.remove(name);
      } else {
        h.set(name, value);
      }
    }
    if (!cors_) {
      return;
    }
    std::string origin;
    if (rc.request_headers != nullptr) {
      if (const std::string* v = rc.request_headers->get("Origin")) {
        origin = *v;
      }
    }
    if (auto match = matchOrigin(origin)) {
      h.set("Access-Control-Allow-Origin", *match);
    }
    if (o_.access_control_allow_credentials) {
      h.set("Access-Control-Allow-Credentials", "true");
    }
    if (exposeAllowed()) {
      h.set("Access-Control-Expose-Headers", joinComma(o_.access_control_expose_headers));
    }
    if (o_.add_vary_header) {
      const std::string* vary = h.get("Vary");
      std::string value = vary != nullptr ? *vary : std::string();
      if (value != "Origin") {
        value += value.empty() ? "Origin" : ",Origin";
        h.set("Vary", value);
      }
    }
  }

  bool isSsl(const ResponseContext& rc) const {
    if (rc.tls) {
      return true;
    }
    if (rc.request_headers == nullptr) {
      return false;
    }
    for (const auto& [name, value] : o_.ssl_proxy_headers) {
      const std::string* v = rc.request_headers->get(name);
      if (v != nullptr && *v == value) {
        return true;
      }
    }
    return false;
  }

  void applySecure(const ResponseContext& rc, http::ResponseHead& head) const {
    http::HeaderMap& h = head.headers;
    bool ssl = isSsl(rc);
    if (!o_.is_development && o_.sts_seconds && *o_.sts_seconds != 0 &&
        (ssl || o_.force_sts_header)) {
      std::string sts = "max-age=" + std::to_string(*o_.sts_seconds);
      if (o_.sts_include_subdomains) {
        sts += "; includeSubDomains";
      }
      if (o_.sts_preload) {
        sts += "; preload";
      }
      h.set("Strict-Transport-Security", sts);
    }
    if (!o_.custom_frame_options_value.empty()) {
      h.set("X-Frame-Options", o_.custom_frame_options_value);
    } else if (o_.frame_deny) {
      h.set("X-Frame-Options", "DENY");
    }
    if (o_.content_type_nosniff) {
      h.set("X-Content-Type-Options", "nosniff");
    }
    if (!o_.custom_browser_xss_value.empty()) {
      h.set("X-XSS-Protection", o_.custom_browser_xss_value);
    } else if (o_.browser_xss_filter) {
      h.set("X-XSS-Protection", "1; mode=block");
    }
    if (!o_.content_security_policy.empty()) {
      h.set("Content-Security-Policy", o_.content_security_policy);
    }
    if (!o_.content_security_policy_report_only.empty()) {
      h.set("Content-Security-Policy-Report-Only", o_.content_security_policy_report_only);
    }
    if (!o_.public_key.empty() && ssl && !o_.is_development) {
      h.set("Public-Key-Pins", o_.public_key);
    }
    if (!o_.referrer_policy.empty()) {
      h.set("Referrer-Policy", o_.referrer_policy);
    }
    if (!o_.permissions_policy.empty()) {
      h.set("Permissions-Policy", o_.permissions_policy);
    }
  }

  Options o_;
  std::vector<routing::RegexPtr> origin_regexes_;
  bool custom_ = false;
  bool cors_ = false;
  bool secure_ = false;
};

}  // namespace

Result<MiddlewarePtr> makeHeaders(const BuildContext& b) {
  auto o = decodeOptions<Options>(b);
  if (!o) {
    return fail(o.error());
  }
  std::vector<routing::RegexPtr> regexes;
  for (std::size_t i = 0; i < o->access_control_allow_origin_list_regex.size(); ++i) {
    auto re = routing::Regex::compile(o->access_control_allow_origin_list_regex[i]);
    if (!re) {
      return fail(optionError(b, "accessControlAllowOriginListRegex[" + std::to_string(i) + "]",
                              re.error().message));
    }
    regexes.push_back(std::move(*re));
  }
  auto m = std::make_shared<Headers>(b.name, std::move(*o), std::move(regexes));
  if (!m->valid()) {
    return fail(optionError(b, "",
                            "no option is set; expected custom headers, CORS or security "
                            "header options"));
  }
  return m;
}

}  // namespace pier::middleware
