// What the proxy notes about one request/response exchange for metrics and access logs. Filled
// with integer assignments along the exchange; turned into samples and log lines once at its
// end (proxy/exchange_report.cc).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/header_map.h"
#include "http/message.h"
#include "observability/access_log.h"
#include "observability/metrics_shard.h"
#include "observability/request_labels.h"
#include "runtime/snapshot.h"

namespace pier::observability {

// What an access-log line prints of the request as received (before middlewares and forwarding
// change it); a client connection keeps one (access log on).
// The strings keep their capacity from one request to the next, so a connection's requests
// cost no allocation once the first has been logged.
struct LoggedRequest {
  std::string method;
  std::string target;
  int version_minor = 1;
  std::string host;           // first Host field; empty when none
  std::string forwarded_for;  // first X-Forwarded-For field
  bool has_forwarded_for = false;
  http::HeaderMap headers;  // only fields whose mode is not drop (accessLog.fields.headers)

  // Copies what a line can print: the request line, Host, X-Forwarded-For (only with
  // `with_forwarded_for`: the entry point trusts someone to set it), and the headers whose mode
  // in `header_modes` is not drop (nullptr: every header is dropped, the default).
  void assign(const http::RequestHead& head, const AccessLogSettings* header_modes,
              bool with_forwarded_for);
};

struct ExchangeRecord {
  using Clock = std::chrono::steady_clock;

  Clock::time_point start{};
  std::uint64_t request_bytes = 0;                // request body bytes read from the client
  std::uint64_t response_bytes = 0;               // response body bytes sent to the client
  const runtime::RouterSpec* router = nullptr;    // in the exchange's pinned snapshot
  const runtime::ServiceSpec* service = nullptr;  // idem
  int status = 0;
  std::uint32_t retries = 0;  // for a retry middleware
  Method method = Method::Get;
  Protocol protocol = Protocol::Http;
  bool started = false;
  bool internal = false;  // answered by an internal service: not observed (addInternals=false)
  // The request as an access-log line prints it (the client connection holds it);
  // null when the log is off.
  const LoggedRequest* request = nullptr;

  // `logged`: where the access log keeps this request (already assigned), nullptr when off.
  void begin(const http::RequestHead& head, const LoggedRequest* logged) {
    start = Clock::now();
    method = methodOf(head.method);
    protocol = protocolOf(head.headers);
    started = true;
    request = logged;
  }
  // The names an access-log line prints are taken here, while the router and server are in the
  // cache: read again at the end of the exchange, they missed it (perf, session 5). They view
  // the exchange's pinned configuration.
  std::string_view router_name;
  std::string_view service_name;
  std::string_view server_url;   // empty until a server is chosen
  std::string_view server_addr;  // host[:port] as in the URL
  RouteIdentity route_identity;  // the objects the names above come from

  // `generation`: the configuration generation `r` and `s` belong to.
  void route(const runtime::RouterSpec& r, const runtime::ServiceSpec& s,
             std::uint64_t generation) {
    router = &r;
    router_name = r.name;
    service = &s;
    service_name = s.name;
    route_identity = {generation, &r, &s, nullptr};
    internal = !runtime::forwardsToBackends(s.kind);
  }
  void sendTo(const runtime::ServerSpec& server) {
    server_url = server.url;
    server_addr = server.authority;
    route_identity.server = &server;
  }
  // A response the proxy rendered itself: its status and body size come from its bytes.
  void noteLocalReply(std::string_view response);
};

}  // namespace pier::observability
