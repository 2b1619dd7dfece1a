#include "app/api_view.h"

#include <algorithm>

#include "app/api_certificates.h"
#include "app/api_objects.h"
#include "app/support_dump.h"

namespace pier::app {

std::string providerOf(const std::string& qualified) {
  std::size_t at = qualified.rfind('@');
  return at == std::string::npos ? "" : qualified.substr(at + 1);
}

std::string localRef(const std::string& ref, const std::string& owner_provider) {
  std::size_t at = ref.rfind('@');
  if (at != std::string::npos && ref.substr(at + 1) == owner_provider) {
    return ref.substr(0, at);
  }
  return ref;
}

ApiProblems::ApiProblems(const control::BuildReport& report) {
  for (const control::ObjectProblem& p : report.problems) {
    Found& f = by_object_[{p.kind, p.name}];
    f.critical = f.critical || p.critical;
    if (std::find(f.messages.begin(), f.messages.end(), p.message) == f.messages.end()) {
      f.messages.push_back(p.message);
    }
  }
}

std::string ApiProblems::apply(ordered_json& j, control::ObjectKind kind,
                               const std::string& name) const {
  auto it = by_object_.find({kind, name});
  if (it == by_object_.end()) {
    j["status"] = "enabled";
    return "enabled";
  }
  j["error"] = it->second.messages;
  std::string status = it->second.critical ? "disabled" : "warning";
  j["status"] = status;
  return status;
}

namespace {

constexpr const char* kVersion = "0.1.0";

// Entry points of routers that name none: those marked asDefault, else every one except
// `traefik` (spec A.6).
std::vector<std::string> defaultEntryPoints(const config::StaticConfig& st,
                                            const std::vector<std::string>& entry_points) {
  std::vector<std::string> out;
  for (const std::string& ep : entry_points) {
    if (st.entry_points.at(ep).as_default) {
      out.push_back(ep);
    }
  }
  if (out.empty()) {
    for (const std::string& ep : entry_points) {
      if (ep != "traefik") {
        out.push_back(ep);
      }
    }
  }
  return out;
}

// Renders one kind of object: a document per object, the list, and (returned) the rawdata map.
ordered_json publish(observability::ApiContent& content, const std::string& base,
                     observability::ApiListKind kind, ApiObjects& objects) {
  observability::ApiList& list = content.lists[base];
  list.kind = kind;
  ordered_json raw = ordered_json::object();
  for (auto& [name, o] : objects) {
    o.entry.json = o.json.dump();
    content.documents[base + "/" + name] = o.entry.json;
    ordered_json copy = o.json;  // rawdata: keyed by name, without the representation fields
    copy.erase("name");
    copy.erase("provider");
    copy.erase("type");
    copy.erase("priorityStr");
    raw[name] = std::move(copy);
    list.entries.push_back(std::move(o.entry));
  }
  return raw;
}

ordered_json counts(const ApiObjects& objects) {
  int warnings = 0;
  int errors = 0;
  for (const auto& [name, o] : objects) {
    warnings += o.entry.status == "warning" ? 1 : 0;
    errors += o.entry.status == "disabled" ? 1 : 0;
  }
  return {{"total", objects.size()}, {"warnings", warnings}, {"errors", errors}};
}

}  // namespace

observability::ApiContent buildApiDocuments(const config::StaticConfig& st,
                                            const std::vector<std::string>& entry_points,
                                            const config::DynamicConfig& merged,
                                            const control::BuildResult& built,
                                            const std::string& start_date) {
  ApiProblems problems(built.report);
  ApiInputs in{st, entry_points, merged, built, problems, defaultEntryPoints(st, entry_points)};
  ApiSection http = httpApiObjects(in);
  ApiSection tcp = tcpApiObjects(in);
  ApiSection udp = udpApiObjects(in);

  observability::ApiContent content;
  content.documents["/api/version"] =
      ordered_json{{"Version", kVersion}, {"Codename", "pier"}, {"startDate", start_date}}.dump();

  observability::ApiList& eps = content.lists["/api/entrypoints"];
  eps.kind = observability::ApiListKind::EntryPoints;
  for (const std::string& name : entry_points) {
    const auto& e = st.entry_points.at(name);
    ordered_json j;
    j["address"] = e.address.text;
    j["http"] = ordered_json::object();
    j["name"] = name;
    content.documents["/api/entrypoints/" + name] = j.dump();
    eps.entries.push_back({.json = j.dump(), .name = name});
  }

  // Overview counts before publish() moves the entries out.
  ordered_json overview;
  overview["http"] = {{"routers", counts(http.routers)},
                      {"services", counts(http.services)},
                      {"middlewares", counts(http.middlewares)}};
  overview["tcp"] = {{"routers", counts(tcp.routers)},
                     {"services", counts(tcp.services)},
                     {"middlewares", counts(tcp.middlewares)}};
  overview["udp"] = {{"routers", counts(udp.routers)}, {"services", counts(udp.services)}};
  overview["certificates"] = nullptr;  // observability::kOverviewCertificatesSlot
  overview["features"] = {{"tracing", ""},
                          {"metrics", st.metrics && st.metrics->prometheus ? "Prometheus" : ""},
                          {"accessLog", st.access_log.has_value()}};
  std::vector<std::string> providers;
  if (st.providers.docker) {
    providers.push_back("Docker");
  }
  if (st.providers.file) {
    providers.push_back("File");
  }
  overview["providers"] = providers;
  content.documents["/api/overview"] = overview.dump();

  using Kind = observability::ApiListKind;
  ordered_json rawdata;
  rawdata["routers"] = publish(content, "/api/http/routers", Kind::Routers, http.routers);
  rawdata["middlewares"] =
      publish(content, "/api/http/middlewares", Kind::Middlewares, http.middlewares);
  rawdata["services"] = publish(content, "/api/http/services", Kind::Services, http.services);
  // Traefik leaves empty sections out of rawdata.
  auto optional = [&](const char* key, ordered_json section) {
    if (!section.empty()) {
      rawdata[key] = std::move(section);
    }
  };
  optional("tcpRouters", publish(content, "/api/tcp/routers", Kind::Routers, tcp.routers));
  optional("tcpMiddlewares",
           publish(content, "/api/tcp/middlewares", Kind::Middlewares, tcp.middlewares));
  optional("tcpServices", publish(content, "/api/tcp/services", Kind::Services, tcp.services));
  optional("udpRouters", publish(content, "/api/udp/routers", Kind::Routers, udp.routers));
  optional("udpServices", publish(content, "/api/udp/services", Kind::Services, udp.services));
  content.documents["/api/rawdata"] = rawdata.dump();
  content.support_files = supportDumpFiles(st, rawdata, kVersion, start_date);
  content.lists["/api/certificates"] =
      built.snapshot->server_tls
          ? certificatesApiList(*built.snapshot->server_tls)
          : observability::ApiList{.kind = observability::ApiListKind::Certificates};
  return content;
}

}  // namespace pier::app
