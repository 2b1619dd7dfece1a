// One outgoing HTTP request the proxy makes on its own behalf, in one of two modes:
//  * reporting (forwardAuth's auth call, the errors middleware's page): connect, send, collect
//    status, headers and a body up to a limit, then report once. Implements
//    middleware::HttpCaller for the proxy.
//  * fire-and-forget (mirroring, spec D.5): send a copy, read the answer and drop it, give the
//    connection back to the worker's pool; nobody hears about the outcome.
// Thread: owning worker. Lifetime: heap-allocated; deletes itself before reporting, when the
// exchange is over (fire-and-forget), or when cancelled. A SubRequestHandle owns the right to
// cancel a reporting one.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "middleware/http_caller.h"
#include "proxy/upstream_connection.h"

namespace pier::proxy {

class WorkerContext;

class SubRequest final : private UpstreamUser {
 public:
  // Starts the request; null when it could not start (`done` is then dropped uncalled).
  // Otherwise `done` runs exactly once, later, unless cancel() comes first.
  static SubRequest* start(WorkerContext& ctx, middleware::OutgoingRequest&& request,
                           middleware::HttpDone done);
  // Stops the request (closes its connection); `done` is never called. Deletes this.
  void cancel();

  // How a fire-and-forget request differs from a reporting one.
  struct Detached {
    // The idle pool it takes a connection from and gives it back to (the main exchanges'
    // key for the same server and TLS settings, so copies reuse their connections).
    std::string pool_key;
    // Until the response head; 0 = none. `request.timeout` bounds the dial only.
    std::chrono::milliseconds header_timeout{0};
    std::string what;  // names the request in the debug log line of a failure
  };
  // Fire-and-forget: `request.headers` go out exactly as given (the caller sets Host and
  // Content-Length), followed by `request.body`. False when the request was not started
  // because kMaxDetached are already in flight on this worker.
  static bool startDetached(WorkerContext& ctx, middleware::OutgoingRequest&& request,
                            Detached options);
  // Fire-and-forget requests in flight on this worker; beyond kMaxDetached new ones are
  // refused, so that a stalled mirror cannot pile up connections and memory.
  static std::size_t detachedInFlight();
  static constexpr std::size_t kMaxDetached = 1024;

 private:
  SubRequest(middleware::HttpDone done, std::size_t max_body, bool detached);
  ~SubRequest();

  // Dials (or, detached, reuses an idle connection). False when the connection failed inline
  // (this is then deleted).
  bool open(WorkerContext& ctx, const middleware::OutgoingRequest& request, std::string key);
  void finish(bool ok);

  // UpstreamUser
  void onUpstreamConnected() override;
  void onUpstreamResponseHead(http::ResponseHead&& head, const http::BodyInfo& body) override;
  void onUpstreamBody(std::string_view data) override;
  void onUpstreamComplete() override;
  void onUpstreamTunnelData(std::string_view) override {}
  void onUpstreamTunnelEof() override {}
  void onUpstreamFailure(UpstreamFailure failure, bool any_response_byte) override;
  void onUpstreamWritable() override {}

  middleware::HttpDone done_;  // empty when detached
  std::size_t max_body_;
  std::chrono::milliseconds timeout_{0};  // response head deadline; 0 = none
  UpstreamConnection* upstream_ = nullptr;
  // The TLS context outlives the connect (the exchange that asked may be gone by then).
  std::shared_ptr<const tls::ClientContext> tls_;
  std::string request_bytes_;
  std::string what_;  // detached only
  middleware::IncomingResponse response_;
  bool detached_;
  bool head_request_ = false;
  bool head_seen_ = false;
  bool starting_ = true;  // inside open(): failures are reported by its return value
  bool failed_starting_ = false;
};

// Move-only owner of a pending SubRequest: destroying or resetting it cancels the request.
class SubRequestHandle {
 public:
  SubRequestHandle() = default;
  explicit SubRequestHandle(SubRequest* r) : r_(r) {}
  SubRequestHandle(SubRequestHandle&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  SubRequestHandle& operator=(SubRequestHandle&& o) noexcept {
    if (this != &o) {
      reset();
      r_ = o.r_;
      o.r_ = nullptr;
    }
    return *this;
  }
  ~SubRequestHandle() { reset(); }
  void reset() {
    if (r_ != nullptr) {
      SubRequest* r = r_;
      r_ = nullptr;
      r->cancel();
    }
  }
  // The request finished on its own (it deleted itself): forget it without cancelling.
  void forget() { r_ = nullptr; }
  bool pending() const { return r_ != nullptr; }

 private:
  SubRequest* r_ = nullptr;
};

}  // namespace pier::proxy
