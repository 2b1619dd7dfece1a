// The API's content (api@internal) in Traefik's JSON shapes: /api/version, /api/overview,
// /api/entrypoints[/{name}], /api/{http,tcp,udp}/routers[/{name}], .../services[/{name}],
// /api/{http,tcp}/middlewares[/{name}], /api/rawdata, /api/certificates[/{fingerprint}]
// (api_certificates.h) and /api/support-dump (support_dump.h). Built on the control thread after
// every configuration build, from the merged dynamic configuration and the build report (whose
// problems, attached to each object, give its `status` and `error` list).
#pragma once

#include <string>
#include <vector>

#include "config/dynamic_model.h"
#include "config/static_config.h"
#include "control/snapshot_builder.h"
#include "observability/api_query.h"

namespace pier::app {

observability::ApiContent buildApiDocuments(const config::StaticConfig& st,
                                            const std::vector<std::string>& entry_points,
                                            const config::DynamicConfig& merged,
                                            const control::BuildResult& built,
                                            const std::string& start_date);

}  // namespace pier::app
