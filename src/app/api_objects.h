// The routers, services and middlewares the API shows, one builder per protocol, each object
// as Traefik v3 renders it (its configuration, then `error`, `status`, `using`/`usedBy`, `name`,
// `provider`) plus the fields Traefik's list parameters filter and sort on. What the protocols
// render alike lives in api_object_parts.h.
// Thread: control loop only.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/dynamic_model.h"
#include "config/static_config.h"
#include "control/snapshot_builder.h"
#include "observability/api_query.h"

namespace pier::app {

using nlohmann::ordered_json;

struct ApiObject {
  ordered_json json;
  observability::ApiListEntry entry;  // `json` left empty until rendered
};

using ApiObjects = std::map<std::string, ApiObject>;  // by qualified name

struct ApiSection {
  ApiObjects routers;
  ApiObjects services;
  ApiObjects middlewares;
};

// The build report's problems by object, and the status they give it.
class ApiProblems {
 public:
  explicit ApiProblems(const control::BuildReport& report);
  // Adds `error` (when there are problems) and `status` to `j`; returns the status:
  // "disabled" when a problem is critical, "warning" when none is, else "enabled".
  std::string apply(ordered_json& j, control::ObjectKind kind, const std::string& name) const;

 private:
  struct Found {
    std::vector<std::string> messages;
    bool critical = false;
  };
  std::map<std::pair<control::ObjectKind, std::string>, Found> by_object_;
};

struct ApiInputs {
  const config::StaticConfig& st;
  const std::vector<std::string>& entry_points;
  const config::DynamicConfig& merged;
  const control::BuildResult& built;
  const ApiProblems& problems;
  std::vector<std::string> default_entry_points;  // for routers that name none
};

ApiSection httpApiObjects(const ApiInputs& in);
ApiSection tcpApiObjects(const ApiInputs& in);
ApiSection udpApiObjects(const ApiInputs& in);

// "file" for "name@file".
std::string providerOf(const std::string& qualified);
// A reference as the user wrote it: the provider suffix is dropped when it is the owner's.
std::string localRef(const std::string& ref, const std::string& owner_provider);

}  // namespace pier::app
