// What the proxy notes about one request/response exchange for metrics and access logs. Filled
// with integer assignments along the exchange; turned into samples and log lines once at its
// end (proxy/exchange_report.cc).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http/message.h"
#include "observability/access_log.h"
#include "observability/metrics_shard.h"
#include "observability/request_labels.h"
#include "runtime/snapshot.h"

namespace pier::observability {

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
  // What an access-log line prints of the request as received (before middlewares and
  // forwarding change it); kept when the log is on. Plain strings for the common case, so that
  // a short request costs no allocation.
  struct LoggedRequest {
    std::string method;
    std::string target;
    int version_minor = 1;
    std::string host;           // first Host field; empty when none
    std::string forwarded_for;  // first X-Forwarded-For field
    bool has_forwarded_for = false;
    http::HeaderMap headers;  // only fields whose mode is not drop (accessLog.fields.headers)
  };
  std::optional<LoggedRequest> request;

  // `log`: the worker's access log, nullptr when off.
  void begin(const http::RequestHead& head, const AccessLogShard* log) {
    start = Clock::now();
    method = methodOf(head.method);
    protocol = protocolOf(head.headers);
    started = true;
    if (log != nullptr) {
      keepRequest(head, log->settings());
    }
  }
  void route(const runtime::RouterSpec& r, const runtime::ServiceSpec& s) {
    router = &r;
    service = &s;
    internal = !runtime::forwardsToBackends(s.kind);
  }
  // A response the proxy rendered itself: its status and body size come from its bytes.
  void noteLocalReply(std::string_view response);

 private:
  // Copies what a log line can print: the request line, Host, X-Forwarded-For, and the
  // headers whose mode is not drop (none unless accessLog.fields.headers asks).
  void keepRequest(const http::RequestHead& head, const AccessLogSettings& settings);
};

}  // namespace pier::observability
