// The pieces of an API object that HTTP, TCP and UDP share (api_objects.h): the router
// document, the trailing `error`/`status`/`usedBy` and `name`/`provider`/`type` fields, and the
// list-entry fields that go with them. Each protocol's file adds only what differs.
// Thread: control loop only.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "app/api_objects.h"
#include "base/strings.h"
#include "config/node.h"

namespace pier::app {

// Object name -> the routers (or services) that use it.
using ApiUsers = std::map<std::string, std::vector<std::string>>;

std::vector<std::string> sortedNames(std::vector<std::string> v);

// A configuration tree as JSON; values stay strings (a middleware's options are untyped until
// the middleware decodes them). Null renders as {}.
ordered_json nodeJson(const config::Node& n);

// Adds `error` (when there are problems), `status`, and `usedBy` (when `users` names `name`);
// returns the status.
std::string applyStatusAndUsers(const ApiInputs& in, ordered_json& j, control::ObjectKind kind,
                                const std::string& name, const ApiUsers& users);

// Adds `name`, `provider` and (when not empty) `type`, and fills the same in the list entry.
void nameObject(ApiObject& o, const std::string& name, const std::string& status,
                const std::string& type);

// Adds a router TLS section's `options` and `certResolver` (when set) to `tls`.
template <class RouterTls>
ordered_json routerTlsJson(ordered_json tls, const RouterTls& t) {
  if (!t.options.empty()) {
    tls["options"] = t.options;
  }
  if (!t.cert_resolver.empty()) {
    tls["certResolver"] = t.cert_resolver;
  }
  return tls;
}

// An HTTP or TCP router as Traefik shows it: entryPoints (the defaults when none), middlewares,
// service and rule as written, ruleSyntax, the effective `priority`, `tls` (when not null),
// status, `using`, name, provider and priorityStr. Records who uses which service/middleware.
template <class Router>
ApiObject routerObject(const ApiInputs& in, const std::string& name, const Router& r,
                       control::ObjectKind kind, std::int64_t priority, ordered_json tls,
                       ApiUsers& service_users, ApiUsers& middleware_users) {
  std::string provider = providerOf(name);
  ApiObject o;
  ordered_json& j = o.json;
  j["entryPoints"] = r.entry_points.empty() ? in.default_entry_points : r.entry_points;
  if (!r.middlewares.empty()) {
    std::vector<std::string> mws;
    for (const auto& m : r.middlewares) {
      mws.push_back(localRef(m, provider));
      middleware_users[m].push_back(name);
    }
    j["middlewares"] = mws;
    o.entry.middlewares = mws;
  }
  j["service"] = localRef(r.service, provider);
  j["rule"] = r.rule;
  if (!r.rule_syntax.empty()) {
    j["ruleSyntax"] = r.rule_syntax;
  }
  if (priority != 0) {
    j["priority"] = priority;
  }
  if (!tls.is_null()) {
    j["tls"] = std::move(tls);
  }
  std::string status = in.problems.apply(j, kind, name);
  if (status != "disabled") {
    j["using"] = j["entryPoints"];
  }
  j["name"] = name;
  j["provider"] = provider;
  j["priorityStr"] = std::to_string(priority);
  service_users[r.service].push_back(name);
  o.entry.name = name;
  o.entry.status = status;
  o.entry.provider = provider;
  o.entry.rule = r.rule;
  o.entry.service = j["service"].get<std::string>();
  o.entry.priority = priority;
  o.entry.entry_points = j["entryPoints"].size();
  return o;
}

// HTTP or TCP middlewares: `{type: config}`, then the shared trailing fields with the type in
// lower case.
template <class Middlewares, class ConfigJson>
void addMiddlewareObjects(const ApiInputs& in, const Middlewares& middlewares,
                          control::ObjectKind kind, const ApiUsers& users, ConfigJson config_json,
                          ApiObjects& out) {
  for (const auto& [name, m] : middlewares) {
    ApiObject o;
    o.json[m.type] = config_json(m);
    std::string status = applyStatusAndUsers(in, o.json, kind, name, users);
    nameObject(o, name, status, base::toLower(m.type));
    out[name] = std::move(o);
  }
}

}  // namespace pier::app
