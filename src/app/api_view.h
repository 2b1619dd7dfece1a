// The API's documents (api@internal) in Traefik's JSON shapes: /api/version, /api/overview,
// /api/entrypoints[/{name}], /api/http/routers[/{name}], /api/http/services[/{name}],
// /api/http/middlewares, /api/rawdata. Built on the control thread after every configuration
// build, from the merged dynamic configuration and the build report (which names the routers
// and services it disabled, and why).
#pragma once

#include <string>
#include <vector>

#include "config/dynamic_model.h"
#include "config/static_config.h"
#include "control/snapshot_builder.h"
#include "observability/api_documents.h"

namespace pier::app {

observability::ApiDocuments::Map buildApiDocuments(const config::StaticConfig& st,
                                                   const std::vector<std::string>& entry_points,
                                                   const config::DynamicConfig& merged,
                                                   const control::BuildResult& built,
                                                   const std::string& start_date);

}  // namespace pier::app
