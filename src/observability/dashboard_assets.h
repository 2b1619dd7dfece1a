// The dashboard (/dashboard/, issue #5): its files, compiled into the binary from
// src/observability/dashboard/ by tools/embed_assets.py, and how api@internal answers for them.
// The page itself only reads the API (/api/...) and /api/x-pier/stats from the same origin.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace pier::observability {

struct EmbeddedAsset {
  std::string_view name;          // file name under /dashboard/, e.g. "app.js"
  std::string_view content_type;  // with charset for text
  std::string_view body;
  std::string_view version;  // content hash; index.html asks for `name?v=version`
};

// Generated at build time: every embedded file.
std::span<const EmbeddedAsset> dashboardAssets();
const EmbeddedAsset* findDashboardAsset(std::string_view name);

// A response for a dashboard path, ready for the proxy to serialize.
struct DashboardReply {
  int status = 200;
  std::string_view content_type;  // empty for a redirect
  std::string_view body;
  std::string headers;  // extra header lines, each ending in CRLF
};

// `path` is the decoded request path without its query, `query` the raw query. Answers
// "/" and "/dashboard" with a redirect to "dashboard/" (relative, so it also works behind a
// router that adds a path prefix), "/dashboard/" with index.html and "/dashboard/<file>" with
// that file; std::nullopt for any other path (the caller answers 404).
std::optional<DashboardReply> dashboardReply(std::string_view path, std::string_view query);

}  // namespace pier::observability
