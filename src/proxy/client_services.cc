// The services half of ClientConnection (see client_connection.h): turns the router's service
// into one backend server through weighted, mirroring and failover services and sticky
// cookies (proxy/service_resolver.h), and sends the request's mirror copies.
#include <map>

#include "proxy/client_connection.h"
#include "proxy/mirror_batch.h"
#include "proxy/service_resolver.h"
#include "proxy/worker_context.h"

namespace pier::proxy {
namespace {

// Resolution advances this worker's balancers and composite cursors. They are indexed by the
// installed generation: a request pinned to an older one (mirrors leave when the request has
// been read, maybe after a reload) rotates on scratch state instead.
class WorkerCursors final : public ServiceCursors {
 public:
  WorkerCursors(WorkerContext& ctx, const runtime::Snapshot* pinned)
      : ctx_(ctx), current_(ctx.snapshot().get() == pinned) {}
  Balancer& balancer(std::size_t service_index) override {
    return current_ ? ctx_.balancer(service_index) : scratch_balancers_[service_index];
  }
  CompositeCursor& cursor(std::size_t service_index) override {
    return current_ ? ctx_.compositeCursor(service_index) : scratch_cursors_[service_index];
  }

 private:
  WorkerContext& ctx_;
  bool current_;
  std::map<std::size_t, Balancer> scratch_balancers_;
  std::map<std::size_t, CompositeCursor> scratch_cursors_;
};

}  // namespace

bool ClientConnection::resolveBackend(std::uint32_t service, const http::RequestHead& head,
                                      const http::BodyInfo& body) {
  WorkerCursors cursors(ctx_, ex_.snapshot.get());
  Resolution r = resolveService(*ex_.snapshot, service, head.headers, cursors);
  if (!r.mirrors.empty() && !ex_.upgrade) {
    // Mirrors get the request whatever the main service answers (even a 503 below).
    ex_.mirrors =
        std::make_shared<MirrorBatch>(ex_.snapshot, std::move(r.mirrors), head, ep_.forwarded,
                                      peer_, ex_.chain_run.omitForwardedFor());
  }
  switch (r.outcome) {
    case Resolution::Outcome::Forward:
      ex_.service = r.leaf;
      ex_.server = r.server;
      ex_.sticky_cookies = std::move(r.set_cookies);
      ex_.obs.service = r.leaf;  // service metrics and the access log name the loadBalancer
      return true;
    case Resolution::Outcome::NoAvailableServer:
      answerLocally(renderLocalReply(LocalReply::NoAvailableServer, false, ex_.head_request),
                    body.expect_continue);
      return false;
    case Resolution::Outcome::Unavailable:
      // A failover whose main and fallback are both down answers like Go's http.Error.
      answerLocally(renderSimple(503, "text/plain; charset=utf-8", "Service Unavailable\n", {},
                                 false, ex_.head_request),
                    body.expect_continue);
      return false;
  }
  return false;
}

void ClientConnection::mirrorBody(std::string_view data) {
  ex_.mirrors->addBody(data);
}

void ClientConnection::launchMirrors() {
  std::shared_ptr<MirrorBatch> batch = std::move(ex_.mirrors);
  ex_.mirrors.reset();
  WorkerCursors cursors(ctx_, ex_.snapshot.get());
  batch->launch(ctx_, cursors);
}

}  // namespace pier::proxy
