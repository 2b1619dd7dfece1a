// Traefik's list parameters on the API's list endpoints, applied per request to lists rendered
// at build time: `search` (case-insensitive, in the name and a router's rule), `status`,
// `serviceName`, `middlewareName`, `sortBy`/`direction`, and `page`/`per_page` with the
// `X-Next-Page` header (1 when there is no next page). Also Traefik's JSON error answers:
// 400 for bad paging, 404 `{"message":"router not found: NAME"}` for an unknown object.
// Thread: any; pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
};

enum class ApiListKind { Routers, Services, Middlewares, EntryPoints };

struct ApiList {
  ApiListKind kind = ApiListKind::Routers;
  std::vector<ApiListEntry> entries;
};

// Everything the API serves for one configuration generation.
struct ApiContent {
  std::map<std::string, std::string> documents;  // decoded path -> JSON body
  std::map<std::string, ApiList> lists;          // list path ("/api/tcp/routers") -> entries
};

struct ApiAnswer {
  int status = 200;
  bool json = true;  // false: Traefik's errors go out as text/plain (Go's http.Error)
  std::string body;
  std::string next_page;  // X-Next-Page; empty when the answer has none
};

// `path` is percent-decoded, without a trailing slash; `query` is the raw query string
// (without '?'). nullopt: not an API document (the caller answers its plain 404).
std::optional<ApiAnswer> answerApi(const ApiContent& content, std::string_view path,
                                   std::string_view query);

// First value of `key` in a raw query string, '+' and %XX decoded; nullopt when absent.
std::optional<std::string> queryValue(std::string_view query, std::string_view key);

}  // namespace pier::observability
