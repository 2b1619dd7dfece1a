#include "control/tls_snapshot_builder.h"

#include <map>
#include <set>
#include <utility>

namespace pier::control {

void buildServerTls(const config::TlsConfig& cfg, const tls::ServerTls* previous,
                    runtime::Snapshot& snapshot, BuildReport& report) {
  tls::ServerTls::BuildResult tls = tls::ServerTls::build(cfg, previous);
  snapshot.server_tls = tls.tls;
  for (std::string& e : tls.errors) {
    report.errors.push_back("TLS: " + std::move(e));
  }
}

bool tlsOptionsUsable(const tls::ServerTls& tls, ObjectKind kind, const std::string& name,
                      const std::string& options, BuildReport& report) {
  if (tls.hasOptions(options)) {
    return true;
  }
  report.error(
      kind, name,
      "TLS options \"" + options + "\" " +
          (tls.optionsInvalid(options) ? "are invalid (see the TLS error above)" : "do not exist"));
  return false;
}

void resolveHttpsOptions(const std::vector<HttpsDomains>& https_domains,
                         runtime::EntryPointRoutes& ep, runtime::Snapshot& snapshot,
                         BuildReport& report) {
  std::map<std::string, std::set<std::string>> options_by_domain;
  std::map<std::string, std::vector<std::string>> routers_by_domain;
  for (const HttpsDomains& r : https_domains) {
    const std::string& opts = snapshot.routers[r.target].tls_options;
    if (r.domains.empty()) {
      ep.https_catch_all = true;
      if (opts != "default") {
        report.warning(ObjectKind::HttpRouter, r.router,
                       "no domain found in its rule, so "
                       "the TLS options \"" +
                           opts +
                           "\" cannot be applied; "
                           "connections use the default options");
        snapshot.routers[r.target].tls_options = "default";
      }
    }
    for (const std::string& d : r.domains) {
      options_by_domain[d].insert(opts);
      routers_by_domain[d].push_back(r.router);
    }
  }
  for (const auto& [domain, opts] : options_by_domain) {
    std::string chosen = *opts.begin();
    if (opts.size() > 1) {
      std::string names;
      for (const std::string& n : routers_by_domain[domain]) {
        names += (names.empty() ? "" : ", ") + n;
      }
      report.errors.push_back("entry point " + ep.name + ": host " + domain +
                              " is served by routers with different TLS options (" + names +
                              "); the default options are used for it");
      for (const std::string& n : routers_by_domain[domain]) {  // API: status "warning"
        report.attach(ObjectKind::HttpRouter, n,
                      "its TLS options conflict with other routers' for host " + domain +
                          " on entry point " + ep.name + "; the default options are used",
                      false);
      }
      chosen = "default";
      for (const HttpsDomains& r : https_domains) {
        for (const std::string& d : r.domains) {
          if (d == domain) {
            snapshot.routers[r.target].tls_options = "default";
          }
        }
      }
    }
    if (domain.size() > 2 && domain[0] == '*' && domain[1] == '.') {
      ep.https_wildcard.insert(domain.substr(1));
      ep.https_options.wildcard[domain.substr(1)] = chosen;
    } else {
      ep.https_exact.insert(domain);
      ep.https_options.exact[domain] = chosen;
    }
  }
}

// Client TLS contexts are costly to build (the system root bundle alone is parsed in tens of
// milliseconds), so identical settings share one context across services and generations.
// Control thread only.
Result<std::shared_ptr<const tls::ClientContext>> clientContextFor(
    const tls::ClientTlsSettings& settings) {
  static std::vector<std::pair<tls::ClientTlsSettings, std::shared_ptr<const tls::ClientContext>>>
      cache;
  for (const auto& [key, ctx] : cache) {
    if (key == settings) {
      return ctx;
    }
  }
  auto built = tls::buildClientContext(settings);
  if (!built) {
    return built;
  }
  if (cache.size() >= 64) {
    cache.erase(cache.begin());
  }
  cache.emplace_back(settings, *built);
  return built;
}

}  // namespace pier::control
