#include "app/api_view.h"

#include <map>
#include <nlohmann/json.hpp>
#include <set>

namespace pier::app {
namespace {

using nlohmann::ordered_json;

constexpr const char* kVersion = "0.1.0";

std::string providerOf(const std::string& qualified) {
  std::size_t at = qualified.rfind('@');
  return at == std::string::npos ? "" : qualified.substr(at + 1);
}

// A reference as the user wrote it: the provider suffix is dropped when it is the owner's.
std::string localRef(const std::string& ref, const std::string& owner_provider) {
  std::size_t at = ref.rfind('@');
  if (at != std::string::npos && ref.substr(at + 1) == owner_provider) {
    return ref.substr(0, at);
  }
  return ref;
}

// Build errors are "router NAME: why" / "service NAME: why" lines: attach them to their object.
std::map<std::string, std::vector<std::string>> errorsByObject(
    const std::vector<std::string>& lines, const std::string& kind) {
  std::map<std::string, std::vector<std::string>> out;
  std::string prefix = kind + " ";
  for (const std::string& line : lines) {
    if (line.rfind(prefix, 0) != 0) {
      continue;
    }
    std::size_t colon = line.find(": ", prefix.size());
    if (colon == std::string::npos) {
      continue;
    }
    out[line.substr(prefix.size(), colon - prefix.size())].push_back(line.substr(colon + 2));
  }
  return out;
}

// "UP" or "DOWN" as the active health check last found the server (spec D.3); UP when the
// service is not checked.
const char* serverStatusOf(const runtime::ServiceSpec* spec, const std::string& url) {
  if (spec != nullptr) {
    for (std::size_t i = 0; i < spec->servers.size(); ++i) {
      if (spec->servers[i].url == url) {
        return spec->serverUp(i) ? "UP" : "DOWN";
      }
    }
  }
  return "UP";
}

struct View {
  ordered_json routers = ordered_json::object();
  ordered_json services = ordered_json::object();
  ordered_json middlewares = ordered_json::object();
  int router_errors = 0;
  int service_errors = 0;
};

View buildView(const config::StaticConfig& st, const std::vector<std::string>& entry_points,
               const config::DynamicConfig& merged, const control::BuildResult& built) {
  View v;
  auto router_errors = errorsByObject(built.report.errors, "router");
  auto service_errors = errorsByObject(built.report.errors, "service");
  std::vector<std::string> default_eps;
  for (const std::string& ep : entry_points) {
    const auto& e = st.entry_points.at(ep);
    if (e.as_default) {
      default_eps.push_back(ep);
    }
  }
  if (default_eps.empty()) {
    for (const std::string& ep : entry_points) {
      if (ep != "traefik") {
        default_eps.push_back(ep);
      }
    }
  }
  std::map<std::string, std::vector<std::string>> used_by;
  for (const auto& [name, r] : merged.http.routers) {
    std::string provider = providerOf(name);
    ordered_json j;
    j["entryPoints"] = r.entry_points.empty() ? default_eps : r.entry_points;
    if (!r.middlewares.empty()) {
      std::vector<std::string> mws;
      for (const auto& m : r.middlewares) {
        mws.push_back(localRef(m, provider));
      }
      j["middlewares"] = mws;
    }
    j["service"] = localRef(r.service, provider);
    j["rule"] = r.rule;
    if (r.priority != 0) {
      j["priority"] = r.priority;
    }
    if (r.tls) {
      j["tls"] = ordered_json::object();
    }
    auto errs = router_errors.find(name);
    if (errs != router_errors.end()) {
      j["error"] = errs->second;
      j["status"] = "disabled";
      ++v.router_errors;
    } else {
      j["status"] = "enabled";
      j["using"] = j["entryPoints"];
    }
    j["name"] = name;
    j["provider"] = provider;
    used_by[r.service].push_back(name);
    v.routers[name] = j;
  }
  // Internal routers and services of the snapshot (ping, metrics, api, redirections).
  for (const runtime::RouterSpec& r : built.snapshot->routers) {
    if (providerOf(r.name) != "internal") {
      continue;
    }
    const runtime::ServiceSpec& svc = built.snapshot->services[r.service];
    ordered_json j;
    j["service"] = localRef(svc.name, "internal");
    j["status"] = "enabled";
    j["name"] = r.name;
    j["provider"] = "internal";
    used_by[svc.name].push_back(r.name);
    v.routers[r.name] = j;
  }
  std::map<std::string, const runtime::ServiceSpec*> built_services;
  for (const runtime::ServiceSpec& svc : built.snapshot->services) {
    built_services.emplace(svc.name, &svc);
  }
  for (const auto& [name, s] : merged.http.services) {
    ordered_json j;
    std::string type;
    auto spec = built_services.find(name);
    if (s.load_balancer) {
      type = "loadbalancer";
      ordered_json servers = ordered_json::array();
      ordered_json status = ordered_json::object();
      for (const auto& server : s.load_balancer->servers) {
        ordered_json sj;
        sj["url"] = server.url;
        if (server.weight != 1) {
          sj["weight"] = server.weight;
        }
        servers.push_back(sj);
        status[server.url] =
            serverStatusOf(spec == built_services.end() ? nullptr : spec->second, server.url);
      }
      j["loadBalancer"] = {{"servers", servers},
                           {"strategy", s.load_balancer->strategy},
                           {"passHostHeader", s.load_balancer->pass_host_header}};
      j["serverStatus_"] = status;
    } else if (s.weighted) {
      type = "weighted";
    } else if (s.mirroring) {
      type = "mirroring";
    } else if (s.failover) {
      type = "failover";
    } else if (s.highest_random_weight) {
      type = "highestrandomweight";
    }
    auto errs = service_errors.find(name);
    if (errs != service_errors.end()) {
      j["error"] = errs->second;
      j["status"] = "disabled";
      ++v.service_errors;
    } else {
      j["status"] = "enabled";
    }
    auto users = used_by.find(name);
    if (users != used_by.end()) {
      j["usedBy"] = users->second;
    }
    ordered_json status = j.contains("serverStatus_") ? j["serverStatus_"] : ordered_json();
    j.erase("serverStatus_");
    if (!status.is_null() && errs == service_errors.end()) {
      j["serverStatus"] = status;
    }
    j["name"] = name;
    j["provider"] = providerOf(name);
    if (!type.empty()) {
      j["type"] = type;
    }
    v.services[name] = j;
  }
  for (const runtime::ServiceSpec& svc : built.snapshot->services) {
    if (providerOf(svc.name) != "internal" || v.services.contains(svc.name)) {
      continue;
    }
    ordered_json j;
    j["status"] = "enabled";
    auto users = used_by.find(svc.name);
    if (users != used_by.end()) {
      j["usedBy"] = users->second;
    }
    j["name"] = svc.name;
    j["provider"] = "internal";
    v.services[svc.name] = j;
  }
  for (const auto& [name, m] : merged.http.middlewares) {
    ordered_json j;
    j["type"] = m.type;
    j["status"] = "disabled";
    j["error"] = {"middleware kind \"" + m.type + "\" is not supported by Pier yet"};
    j["name"] = name;
    j["provider"] = providerOf(name);
    v.middlewares[name] = j;
  }
  return v;
}

ordered_json list(const ordered_json& objects) {
  ordered_json out = ordered_json::array();
  for (const auto& [name, j] : objects.items()) {
    out.push_back(j);
  }
  return out;
}

// rawdata: objects keyed by name, without the representation's name/provider.
ordered_json raw(const ordered_json& objects) {
  ordered_json out = ordered_json::object();
  for (const auto& [name, j] : objects.items()) {
    ordered_json copy = j;
    copy.erase("name");
    copy.erase("provider");
    copy.erase("type");
    out[name] = copy;
  }
  return out;
}

ordered_json counts(const ordered_json& objects, int errors) {
  return {{"total", objects.size()}, {"warnings", 0}, {"errors", errors}};
}

}  // namespace

observability::ApiDocuments::Map buildApiDocuments(const config::StaticConfig& st,
                                                   const std::vector<std::string>& entry_points,
                                                   const config::DynamicConfig& merged,
                                                   const control::BuildResult& built,
                                                   const std::string& start_date) {
  View v = buildView(st, entry_points, merged, built);
  observability::ApiDocuments::Map docs;
  docs["/api/version"] =
      ordered_json{{"Version", kVersion}, {"Codename", "pier"}, {"startDate", start_date}}.dump();

  ordered_json eps = ordered_json::array();
  for (const std::string& name : entry_points) {
    const auto& e = st.entry_points.at(name);
    ordered_json j;
    j["address"] = e.address.text;
    j["http"] = ordered_json::object();
    j["name"] = name;
    docs["/api/entrypoints/" + name] = j.dump();
    eps.push_back(j);
  }
  docs["/api/entrypoints"] = eps.dump();

  docs["/api/http/routers"] = list(v.routers).dump();
  for (const auto& [name, j] : v.routers.items()) {
    docs["/api/http/routers/" + name] = j.dump();
  }
  docs["/api/http/services"] = list(v.services).dump();
  for (const auto& [name, j] : v.services.items()) {
    docs["/api/http/services/" + name] = j.dump();
  }
  docs["/api/http/middlewares"] = list(v.middlewares).dump();
  for (const auto& [name, j] : v.middlewares.items()) {
    docs["/api/http/middlewares/" + name] = j.dump();
  }
  for (const char* kind : {"tcp", "udp"}) {
    std::string base = std::string("/api/") + kind;
    docs[base + "/routers"] = "[]";
    docs[base + "/services"] = "[]";
    if (std::string(kind) == "tcp") {
      docs[base + "/middlewares"] = "[]";
    }
  }

  std::vector<std::string> providers;
  if (st.providers.docker) {
    providers.push_back("Docker");
  }
  if (st.providers.file) {
    providers.push_back("File");
  }
  ordered_json zero = {{"total", 0}, {"warnings", 0}, {"errors", 0}};
  ordered_json overview;
  overview["http"] = {
      {"routers", counts(v.routers, v.router_errors)},
      {"services", counts(v.services, v.service_errors)},
      {"middlewares", counts(v.middlewares, static_cast<int>(v.middlewares.size()))}};
  overview["tcp"] = {{"routers", zero}, {"services", zero}, {"middlewares", zero}};
  overview["udp"] = {{"routers", zero}, {"services", zero}};
  overview["features"] = {{"tracing", ""},
                          {"metrics", st.metrics && st.metrics->prometheus ? "Prometheus" : ""},
                          {"accessLog", st.access_log.has_value()}};
  overview["providers"] = providers;
  docs["/api/overview"] = overview.dump();

  ordered_json rawdata;
  rawdata["routers"] = raw(v.routers);
  rawdata["middlewares"] = raw(v.middlewares);
  rawdata["services"] = raw(v.services);
  docs["/api/rawdata"] = rawdata.dump();
  return docs;
}

}  // namespace pier::app
