// The end of an exchange as observability sees it: one metrics sample for this worker's shard
// and, when enabled, one access-log line. Kept apart from the exchange logic so the proxy's
// hooks stay one line each.
#include "observability/access_log.h"
#include "observability/metrics_shard.h"
#include "proxy/client_connection.h"
#include "proxy/worker_context.h"
#include "tls/cert_fields.h"
#include "tls/session.h"

namespace pier::proxy {

void ClientConnection::reportExchange() {
  observability::ExchangeRecord& r = ex_.obs;
  if (!r.started || r.internal) {
    return;  // internal services (ping, metrics) are not observed, as addInternals=false
  }
  r.started = false;  // once per exchange, whichever of its ends comes first
  if (r.status == 0) {
    r.status = 499;  // the client left before any response (Traefik's client-closed status)
  }
  Clock::time_point now = Clock::now();
  auto elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(now - r.start);
  ex_.chain_run.reportOutcome({r.status, elapsed});  // exchange-finished hook (circuitBreaker)
  if (observability::MetricsShard* shard = ctx_.metrics(); shard != nullptr) {
    observability::RequestSample s;
    s.entry_point = static_cast<std::uint32_t>(ep_.index);
    s.router = r.router != nullptr ? r.router->metrics_id : observability::kNoSeries;
    s.service = r.service != nullptr ? r.service->metrics_id : observability::kNoSeries;
    s.code = r.status;
    s.method = r.method;
    s.protocol = r.protocol;
    s.request_bytes = r.request_bytes;
    s.response_bytes = r.response_bytes;
    s.duration_ns = static_cast<std::uint64_t>(elapsed.count());
    s.retries = r.retries;
    shard->record(s);
  }
  if (observability::AccessLogShard* log = ctx_.accessLog(); log != nullptr && r.request) {
    writeAccessLog(*log, now, elapsed.count());
  }
}

const observability::LoggedRequest* ClientConnection::keepForAccessLog(
    const http::RequestHead& head) {
  const observability::AccessLogShard* log = ctx_.accessLog();
  if (log == nullptr) {
    return nullptr;
  }
  bool trusts_someone = ep_.forwarded.insecure || !ep_.forwarded.trusted.empty();
  logged_request_.assign(head, ctx_.accessLogKeepsHeaders() ? &log->settings() : nullptr,
                         trusts_someone);
  return &logged_request_;
}

void ClientConnection::writeAccessLog(observability::AccessLogShard& log, Clock::time_point now,
                                      std::int64_t elapsed_ns) {
  const observability::ExchangeRecord& r = ex_.obs;
  const observability::LoggedRequest& req = *r.request;
  observability::AccessLogEntry e;
  e.logged = log.wallTime(now);
  e.start = e.logged - std::chrono::duration_cast<std::chrono::system_clock::duration>(
                           std::chrono::nanoseconds(elapsed_ns));
  e.duration_ns = elapsed_ns;
  // The peer is fixed for the connection: its text and port are not redone per request.
  if (peer_text_.empty()) {
    peer_text_ = peer_.toString();
  }
  e.client_ip = peer_text_;
  e.client_port = peer_port_;
  // X-Forwarded-For names the client only when this peer may set it (forwardedHeaders).
  if (req.has_forwarded_for && (ep_.forwarded.insecure || ep_.forwarded.trusted.contains(peer_))) {
    e.forwarded_for = req.forwarded_for;
  }
  e.method = req.method;
  e.target = req.target;
  e.version_minor = req.version_minor;
  e.host = req.host;
  // Null when every header is dropped: the line then does not read the settings' header modes.
  e.request_headers = log.keepsRequestHeaders() ? &req.headers : nullptr;
  e.request_bytes = r.request_bytes;
  e.status = r.status;
  e.response_bytes = r.response_bytes;
  e.router = r.router_name;
  e.service = r.service_name;
  e.route_identity = r.route_identity;
  if (!r.server_url.empty()) {
    e.forwarded = true;
    e.service_url = r.server_url;
    e.service_addr = r.server_addr;
  }
  e.entry_point = ep_.name;
  e.retries = r.retries;
  if (const tls::Session* session = tlsSession(); session != nullptr && tls_terminated_) {
    e.tls = true;
    e.tls_version = session->version();
    if (e.tls_version.starts_with("TLSv")) {
      e.tls_version.remove_prefix(4);  // Traefik writes "1.3"
    }
    e.tls_cipher = session->cipher();
    e.tls_client_subject = clientSubjectForLog(*session);
  }
  e.request_count = log.nextRequestCount();
  log.add(e);
}

std::string_view ClientConnection::clientSubjectForLog(const tls::Session& session) {
  std::optional<std::string>& subject = logged_client_subject_;
  if (!subject) {
    // The certificate is the connection's: parsed once, only when a client sent one.
    subject.emplace();
    std::vector<std::string> chain = session.peerCertificatesPem();
    if (!chain.empty()) {
      if (auto fields = tls::certFields(chain.front())) {
        *subject = tls::distinguishedNameText(fields->subject);
      }
    }
  }
  return *subject;
}

}  // namespace pier::proxy
