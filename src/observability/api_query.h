// Traefik's list parameters on the API's list endpoints, applied per request to lists rendered
// at build time: `search` (case-insensitive, in the name and a router's rule), `status`,
// `serviceName`, `middlewareName`, `sortBy`/`direction`, and `page`/`per_page` with the
// `X-Next-Page` header (1 when there is no next page). Also Traefik's JSON error answers:
// 400 for bad paging, 404 `{"message":"router not found: NAME"}` for an unknown object.
// Two answers are made per request: /api/certificates (a certificate's `status` depends on
// the clock) and /api/support-dump (a tar.gz of files rendered at build time).
// Thread: any; pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "observability/tar_gzip.h"

namespace pier::observability {

// One object of a list endpoint: its JSON text and the fields the parameters read.
struct ApiListEntry {
  std::string json;
  std::string name;  // qualified
  std::string status;
  std::string provider;
  std::string type;                      // services and middlewares
  std::string rule;                      // routers (UDP: empty)
  std::string service;                   // routers
  std::vector<std::string> middlewares;  // routers, as written
  std::int64_t priority = 0;             // routers
  std::size_t entry_points = 0;          // routers
  std::size_t servers = 0;               // services: loadBalancer servers
  // Certificates: `json` is the object without its closing brace, to which the answer adds
  // `status` from `not_after` and the clock; `name` is the subject CN.
  std::string id;                     // SHA-256 fingerprint: /api/certificates/{id}
  std::string issuer;                 // issuerOrg, else issuerCN (sortBy=issuer)
  std::vector<std::string> searched;  // also searched: issuerOrg, issuerCN, SANs
  std::int64_t not_after = 0;         // unix seconds
};

enum class ApiListKind { Routers, Services, Middlewares, EntryPoints, Certificates };

struct ApiList {
  ApiListKind kind = ApiListKind::Routers;
  std::vector<ApiListEntry> entries;
};

// Everything the API serves for one configuration generation.
struct ApiContent {
  std::map<std::string, std::string> documents;  // decoded path -> JSON body
  std::map<std::string, ApiList> lists;          // list path ("/api/tcp/routers") -> entries
  // /api/support-dump's files; archived (with the request's time) when asked for.
  std::vector<ArchiveFile> support_files;
};

// In the /api/overview document, the value the answer replaces with the counts of
// /api/certificates by status at the time of the request (Traefik v3.7's `certificates`).
inline constexpr std::string_view kOverviewCertificatesSlot = "\"certificates\":null";

struct ApiAnswer {
  int status = 200;
  bool json = true;          // false: Traefik's errors go out as text/plain (Go's http.Error)
  std::string content_type;  // when set, overrides `json`
  std::string body;
  std::string headers;    // further header lines, each ending in CRLF
  std::string next_page;  // X-Next-Page; empty when the answer has none
};

// `path` is percent-decoded, without a trailing slash; `query` is the raw query string
// (without '?'). nullopt: not an API document (the caller answers its plain 404).
std::optional<ApiAnswer> answerApi(const ApiContent& content, std::string_view path,
                                   std::string_view query);
// Same at `now` (unix seconds): certificate status and the archive's file times.
std::optional<ApiAnswer> answerApi(const ApiContent& content, std::string_view path,
                                   std::string_view query, std::int64_t now);

// Traefik's certificate status: "expired" past notAfter, "warning" within 30 days of it, else
// "enabled".
std::string certificateStatus(std::int64_t not_after, std::int64_t now);

// First value of `key` in a raw query string, '+' and %XX decoded; nullopt when absent.
std::optional<std::string> queryValue(std::string_view query, std::string_view key);

}  // namespace pier::observability
