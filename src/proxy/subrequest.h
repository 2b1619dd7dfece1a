// One outgoing HTTP request made on behalf of a middleware (forwardAuth's auth call, the errors
// middleware's page): connect, send, collect status, headers and a body up to a limit, then
// report once. Implements middleware::HttpCaller for the proxy.
// Thread: owning worker. Lifetime: heap-allocated; deletes itself before reporting, or when
// cancelled. A SubRequestHandle owns the right to cancel it.
#pragma once

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

 private:
  SubRequest(middleware::HttpDone done, std::size_t max_body)
      : done_(std::move(done)), max_body_(max_body) {}
  ~SubRequest() = default;

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

  middleware::HttpDone done_;
  std::size_t max_body_;
  std::chrono::milliseconds timeout_{0};
  UpstreamConnection* upstream_ = nullptr;
  std::string request_bytes_;
  middleware::IncomingResponse response_;
  bool head_seen_ = false;
  bool starting_ = true;  // inside start(): failures are reported by its return value
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
