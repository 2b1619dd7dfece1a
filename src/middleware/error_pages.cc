// errors (spec E.6, Traefik's customErrors): when the backend answers with a status in `status`,
// its response is dropped before anything reaches the client, `GET <query>` goes to `service`
// with the original request's headers, and the client gets that page's headers and body with
// the original status code. The page request is asynchronous (ReplaceContext::call_service).
#include "middleware/error_pages.h"

#include "base/strings.h"
#include "config/node.h"
#include "http/hop_by_hop.h"
#include "http/status.h"
#include "middleware/registry.h"

namespace pier::middleware {
namespace {

struct Options {
  std::vector<std::string> status;
  std::string service;
  std::string query;
  std::vector<std::string> error_request_headers;
  config::Node status_rewrites;
  config::Node nginx_headers;
};

template <class V>
void describe(V& v, Options& o) {
  v("status", o.status);
  v("service", o.service);
  v("query", o.query);
  v("errorRequestHeaders", o.error_request_headers);
  v("statusRewrites", o.status_rewrites);
  v("nginxHeaders", o.nginx_headers);
}

LocalAnswer plainStatus(int status) {
  LocalAnswer a;
  a.status = status;
  a.headers.set("Content-Type", "text/plain; charset=utf-8");
  a.headers.set("X-Content-Type-Options", "nosniff");
  a.body = std::string(http::reasonPhrase(status)) + "\n";
  return a;
}

class ErrorPages final : public Middleware {
 public:
  ErrorPages(std::string name, StatusRanges ranges, std::string service, std::string query,
             std::vector<std::string> headers)
      : Middleware(std::move(name)),
        ranges_(std::move(ranges)),
        service_(std::move(service)),
        query_(std::move(query)),
        headers_(std::move(headers)) {}
  std::string_view kind() const override { return "errors"; }
  Verdict onRequest(RequestContext&) const override { return Verdict::Continue; }
  bool interceptsResponses() const override { return true; }
  bool replacesStatus(int status) const override { return inRanges(ranges_, status); }

  bool replaceResponse(const ReplaceContext& rc, int status,
                       std::function<void(LocalAnswer&&)> done, LocalAnswer& now) const override {
    const http::HeaderMap& in = *rc.request_headers;
    const std::string* host = in.get("Host");
    std::string original_url = std::string(rc.tls ? "https://" : "http://") +
                               (host != nullptr ? *host : std::string()) + std::string(rc.target);
    OutgoingRequest req;
    req.target = errorPageTarget(query_, status, status, original_url);
    if (headers_.empty()) {
      req.headers = in;
    } else {
      for (const std::string& name : headers_) {
        in.forEach(name, [&](std::string_view v) { req.headers.add(name, v); });
      }
    }
    http::removeHopByHop(req.headers, false);
    req.headers.remove("Content-Length");
    if (host != nullptr) {
      req.headers.set("Host", *host);  // the original Host, as Traefik's page request has
    }
    bool started = rc.call_service &&
                   rc.call_service(service_, std::move(req), [status, done](IncomingResponse&& r) {
                     if (!r.ok) {
                       done(plainStatus(status));
                       return;
                     }
                     LocalAnswer a;
                     a.status = status;
                     a.headers = std::move(r.headers);
                     http::removeHopByHop(a.headers, false);
                     a.body = std::move(r.body);
                     done(std::move(a));
                   });
    if (!started) {
      now = plainStatus(status);
    }
    return started;
  }

 private:
  StatusRanges ranges_;
  std::string service_;
  std::string query_;
  std::vector<std::string> headers_;
};

}  // namespace

Result<StatusRanges> parseStatusRanges(const std::vector<std::string>& items) {
  StatusRanges out;
  for (const std::string& item : items) {
    std::string_view s = base::trim(item);
    std::size_t dash = s.find('-');
    std::string_view lo = s.substr(0, dash);
    std::string_view hi = dash == std::string_view::npos ? lo : s.substr(dash + 1);
    unsigned long long a = 0;
    unsigned long long b = 0;
    if (!base::parseUint64(base::trim(lo), a) || !base::parseUint64(base::trim(hi), b) || a > 999 ||
        b > 999) {
      return fail(Error::config("\"" + item + "\" is not a status code or a range like 500-599"));
    }
    out.emplace_back(static_cast<int>(a), static_cast<int>(b));
  }
  return out;
}

bool inRanges(const StatusRanges& ranges, int status) {
  for (const auto& [lo, hi] : ranges) {
    if (status >= lo && status <= hi) {
      return true;
    }
  }
  return false;
}

std::string queryEscape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string errorPageTarget(std::string_view query, int status, int original_status,
                            std::string_view original_url) {
  if (query.empty()) {
    return "/";
  }
  if (query.starts_with('/')) {
    query.remove_prefix(1);
  }
  std::string out = "/" + std::string(query);
  auto replace = [&out](std::string_view what, const std::string& with) {
    for (std::size_t at = out.find(what); at != std::string::npos;
         at = out.find(what, at + with.size())) {
      out.replace(at, what.size(), with);
    }
  };
  replace("{status}", std::to_string(status));
  replace("{originalStatus}", std::to_string(original_status));
  replace("{url}", queryEscape(original_url));
  return out;
}

Result<MiddlewarePtr> makeErrors(const BuildContext& b) {
  auto o = decodeOptions<Options>(b);
  if (!o) {
    return fail(o.error());
  }
  if (o->service.empty()) {
    return fail(
        optionError(b, "service", "expected the name of the service that serves the pages"));
  }
  if (o->status.empty()) {
    return fail(optionError(b, "status", "expected at least one status code or range"));
  }
  auto ranges = parseStatusRanges(o->status);
  if (!ranges) {
    return fail(optionError(b, "status", ranges.error().message));
  }
  if (!o->status_rewrites.isNull() || !o->nginx_headers.isNull()) {
    return fail(optionError(b, o->status_rewrites.isNull() ? "nginxHeaders" : "statusRewrites",
                            "not supported by Pier yet (see docs/differences.md)"));
  }
  return MiddlewarePtr(
      std::make_shared<ErrorPages>(b.name, std::move(*ranges), qualifyReference(o->service, b.name),
                                   std::move(o->query), std::move(o->error_request_headers)));
}

}  // namespace pier::middleware
