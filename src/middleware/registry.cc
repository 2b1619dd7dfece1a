#include "middleware/registry.h"

#include <algorithm>

#include "base/strings.h"
#include "middleware/add_prefix.h"
#include "middleware/basic_auth.h"
#include "middleware/circuit_breaker.h"

#include "middleware/buffering.h"
#include "middleware/compress.h"
#include "middleware/content_type.h"
#include "middleware/digest_auth.h"
#include "middleware/error_pages.h"
#include "middleware/forward_auth.h"
#include "middleware/headers.h"
#include "middleware/in_flight_req.h"
#include "middleware/ip_allow_list.h"
#include "middleware/pass_tls_client_cert.h"
#include "middleware/rate_limit.h"
#include "middleware/redirect_regex.h"
#include "middleware/redirect_scheme.h"
#include "middleware/replace_path.h"
#include "middleware/replace_path_regex.h"
#include "middleware/retry.h"
#include "middleware/strip_prefix.h"
#include "middleware/strip_prefix_regex.h"

namespace pier::middleware {
namespace {

struct Entry {
  std::string_view kind;
  Factory factory;
};

// clang-format off
constexpr Entry kFactories[] = {
    {"addPrefix", makeAddPrefix},
    {"basicAuth", makeBasicAuth},
    {"circuitBreaker", makeCircuitBreaker},

    {"buffering", makeBuffering},
    {"compress", makeCompress},
    {"contentType", makeContentType},
    {"digestAuth", makeDigestAuth},
    {"errors", makeErrors},
    {"forwardAuth", makeForwardAuth},
    {"headers", makeHeaders},
    {"inFlightReq", makeInFlightReq},
    {"passTLSClientCert", makePassTlsClientCert},
    {"ipAllowList", makeIpAllowList},
    {"ipWhiteList", makeIpWhiteList},
    {"rateLimit", makeRateLimit},
    {"redirectRegex", makeRedirectRegex},
    {"redirectScheme", makeRedirectScheme},
    {"replacePath", makeReplacePath},
    {"replacePathRegex", makeReplacePathRegex},
    {"retry", makeRetry},
    {"stripPrefix", makeStripPrefix},
    {"stripPrefixRegex", makeStripPrefixRegex},
};
// clang-format on

struct ChainOptions {
  std::vector<std::string> middlewares;
};

template <class V>
void describe(V& v, ChainOptions& o) {
  v("middlewares", o.middlewares);
}

std::string providerOf(std::string_view name) {
  std::size_t at = name.rfind('@');
  return at == std::string_view::npos ? std::string() : std::string(name.substr(at + 1));
}

}  // namespace

Factory findFactory(std::string_view kind) {
  for (const Entry& e : kFactories) {
    if (base::iequals(e.kind, kind)) {
      return e.factory;
    }
  }
  return nullptr;
}

std::vector<std::string> supportedKinds() {
  std::vector<std::string> out{"chain"};
  for (const Entry& e : kFactories) {
    out.emplace_back(e.kind);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string qualifyReference(std::string_view ref, std::string_view context_name) {
  std::string out(ref);
  if (out.find('@') == std::string::npos) {
    std::string provider = providerOf(context_name);
    if (!provider.empty()) {
      out += "@" + provider;
    }
  }
  return out;
}

Result<std::vector<MiddlewarePtr>> MiddlewareSet::resolve(const std::string& ref) {
  if (std::find(building_.begin(), building_.end(), ref) != building_.end()) {
    std::string path;
    for (const std::string& n : building_) {
      path += "\"" + n + "\" -> ";
    }
    return fail(Error::config("middleware \"" + building_.front() + "\": chain cycle: " + path +
                              "\"" + ref + "\""));
  }
  auto it = built_.find(ref);
  if (it == built_.end()) {
    auto result = build(ref);
    it = built_.emplace(ref, std::move(result)).first;
  }
  return it->second;
}

Result<std::vector<MiddlewarePtr>> MiddlewareSet::build(const std::string& name) {
  auto def = defs_.find(name);
  if (def == defs_.end()) {
    return fail(Error::config("middleware \"" + name + "\" does not exist"));
  }
  const config::Middleware& m = def->second;
  BuildContext b{name, providerOf(name), m.type, m.options};
  if (base::iequals(m.type, "chain")) {
    auto opts = decodeOptions<ChainOptions>(b);
    if (!opts) {
      return fail(opts.error());
    }
    if (opts->middlewares.empty()) {
      return fail(optionError(b, "middlewares", "expected at least one middleware name"));
    }
    building_.push_back(name);
    std::vector<MiddlewarePtr> flat;
    Result<std::vector<MiddlewarePtr>> out = flat;
    for (const std::string& ref : opts->middlewares) {
      auto inner = resolve(qualifyReference(ref, name));
      if (!inner) {
        out = fail(inner.error());
        break;
      }
      flat.insert(flat.end(), inner->begin(), inner->end());
    }
    building_.pop_back();
    if (!out) {
      // Name the chain too when the failure is deeper down.
      if (out.error().message.find("\"" + name + "\"") == std::string::npos) {
        return fail(Error::config("middleware \"" + name + "\": " + out.error().message));
      }
      return out;
    }
    return flat;
  }
  Factory factory = findFactory(m.type);
  if (factory == nullptr) {
    return fail(Error::config("middleware \"" + name + "\": kind " + m.type +
                              " is not supported by Pier yet (see docs/differences.md)"));
  }
  auto made = factory(b);
  if (!made) {
    return fail(made.error());
  }
  return std::vector<MiddlewarePtr>{std::move(*made)};
}

Result<ChainPtr> MiddlewareSet::chainFor(const std::vector<std::string>& refs) {
  std::vector<MiddlewarePtr> all;
  for (const std::string& ref : refs) {
    auto one = resolve(ref);
    if (!one) {
      return fail(one.error());
    }
    all.insert(all.end(), one->begin(), one->end());
  }
  return std::make_shared<const Chain>(std::move(all));
}

}  // namespace pier::middleware
