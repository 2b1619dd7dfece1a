// Dynamic configuration decoders: a YAML file (file provider), flat label keys (Docker provider)
// or any Node tree -> DynamicConfig. All three go through the same schema (dynamic_decode.cc).
// Thread: control thread only. No exceptions escape.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "base/result.h"
#include "config/dynamic_model.h"
#include "config/node.h"

namespace pier::config {

/// Decodes a tree. `labels` enables the label-only grammar (`loadBalancer.server.*` filling
/// servers[0], `server.port`/`server.scheme`). Errors read "<where>: <key path>: <what>".
Result<DynamicConfig> decodeDynamicNode(const Node& root, bool labels);

/// A dynamic-configuration YAML document. Errors read
/// "file.yml:12: http.routers.api.rule: expected a string, got a section".
Result<DynamicConfig> parseDynamicYaml(std::string_view text, const std::string& file_name);

/// Flat label keys without the `traefik.` prefix (`http.routers.app.rule`,
/// `http.services.app.loadbalancer.server.port`). Each value's position is `source_prefix + key`,
/// e.g. source_prefix "label traefik." gives "label traefik.http.routers.app.rule". The caller
/// keeps only keys under http., tcp., udp. and tls. (spec B.3). Keys are taken in byte order, so
/// names differing only by case fold into the upper-case spelling (spec B.3).
Result<DynamicConfig> decodeDynamicFlat(const std::map<std::string, std::string>& flat,
                                        const std::string& source_prefix);

/// Middleware kinds known to the decoder (canonical spelling).
const std::vector<std::string>& httpMiddlewareKinds();
const std::vector<std::string>& tcpMiddlewareKinds();

}  // namespace pier::config
