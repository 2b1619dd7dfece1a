#include "proxy/mirror_sender.h"

#include <algorithm>

#include "base/log.h"
#include "http/hop_by_hop.h"
#include "http/serializer.h"
#include "proxy/upstream_connection.h"
#include "proxy/worker_context.h"
#include "tls/client_tls.h"

namespace pier::proxy {
namespace {

thread_local std::size_t t_in_flight = 0;  // per worker thread: each worker owns its mirrors

// One copy of a request on its way to one mirror server. Owns itself: deleted when the
// response has been read (the connection goes back to the pool) or the attempt failed.
class MirrorSender final : private UpstreamUser {
 public:
  static void start(WorkerContext& ctx, runtime::SnapshotConstSharedPtr snapshot,
                    const runtime::ServiceSpec& leaf, int server_index, std::string bytes,
                    bool head_request) {
    auto* self = new MirrorSender(std::move(snapshot), leaf, std::move(bytes), head_request);
    const runtime::ServerSpec& server = leaf.servers[static_cast<std::size_t>(server_index)];
    const runtime::TransportSpec& transport = leaf.transport;
    // Same pool keys as the main exchange (client_exchange.cc), so mirrors reuse connections.
    bool tls = server.https && transport.tls != nullptr;
    std::string key =
        tls ? "https://" + server.host + ':' + std::to_string(server.port) + '#' + transport.name
            : server.host + ':' + std::to_string(server.port);
    if (UpstreamConnection* idle = ctx.takeIdle(key); idle != nullptr) {
      self->upstream_ = idle;
      idle->attach(*self);
      self->onUpstreamConnected();
      return;
    }
    self->upstream_ = UpstreamConnection::connect(
        ctx, std::move(key), server.host, server.port, transport.dial_timeout, *self,
        tls ? transport.tls.get() : nullptr,
        tls ? transport.tls->settings().server_name : std::string());
  }

 private:
  MirrorSender(runtime::SnapshotConstSharedPtr snapshot, const runtime::ServiceSpec& leaf,
               std::string bytes, bool head_request)
      : snapshot_(std::move(snapshot)),
        leaf_(leaf),
        bytes_(std::move(bytes)),
        head_request_(head_request) {
    ++t_in_flight;
  }
  ~MirrorSender() { --t_in_flight; }

  void onUpstreamConnected() override {
    if (upstream_ == nullptr) {
      return;
    }
    if (head_request_) {
      upstream_->expectNoBody();
    }
    if (leaf_.transport.response_header_timeout.count() > 0) {
      upstream_->setResponseHeaderDeadline(UpstreamConnection::Clock::now() +
                                           leaf_.transport.response_header_timeout);
    }
    upstream_->sendBytes(std::move(bytes_));
  }
  void onUpstreamResponseHead(http::ResponseHead&&, const http::BodyInfo&) override {}
  void onUpstreamBody(std::string_view) override {}  // dropped: only the main answer counts
  void onUpstreamComplete() override {
    UpstreamConnection* up = upstream_;
    upstream_ = nullptr;
    if (up != nullptr) {
      // Reusable only once the whole copy went out (a server may answer before reading it).
      up->release(up->pendingWriteBytes() == 0);
    }
    delete this;
  }
  void onUpstreamTunnelData(std::string_view) override {}
  void onUpstreamTunnelEof() override {}
  void onUpstreamFailure(UpstreamFailure, bool) override {
    upstream_ = nullptr;  // closing itself
    log::debug("mirror request to service " + leaf_.name + " failed");
    delete this;
  }
  void onUpstreamWritable() override {}

  runtime::SnapshotConstSharedPtr snapshot_;  // keeps leaf_ and its TLS context alive
  const runtime::ServiceSpec& leaf_;
  std::string bytes_;
  UpstreamConnection* upstream_ = nullptr;
  bool head_request_;
};

}  // namespace

std::size_t mirrorsInFlight() {
  return t_in_flight;
}

MirrorBatch::MirrorBatch(runtime::SnapshotConstSharedPtr snapshot, std::vector<MirrorPlan> plans,
                         const http::RequestHead& head, const http::ForwardedPolicy& forwarded,
                         const base::IpAddress& peer, bool omit_forwarded_for)
    : snapshot_(std::move(snapshot)), plans_(std::move(plans)), head_(head) {
  had_body_ = head_.headers.has("Content-Length") || head_.headers.has("Transfer-Encoding");
  http::removeHopByHop(head_.headers, false);
  head_.headers.remove("Expect");
  head_.headers.remove("Content-Length");
  head_.headers.remove("Transfer-Encoding");
  if (!omit_forwarded_for) {
    http::appendXForwardedFor(head_.headers, forwarded, peer);
  }
  for (const MirrorPlan& p : plans_) {
    if (!p.with_body) {
      continue;
    }
    if (p.max_body_size < 0) {
      keep_limit_ = -1;
      break;
    }
    // One byte more than the limit tells "too large" from "exactly at the limit".
    keep_limit_ = std::max(keep_limit_, p.max_body_size + 1);
  }
}

void MirrorBatch::addBody(std::string_view data) {
  body_size_ += data.size();
  if (keep_limit_ < 0) {
    body_.append(data);
    return;
  }
  auto limit = static_cast<std::size_t>(keep_limit_);
  std::size_t room = body_.size() < limit ? limit - body_.size() : 0;
  body_.append(data.substr(0, std::min(room, data.size())));
}

void MirrorBatch::launch(WorkerContext& ctx, ServiceCursors& cursors) {
  bool head_request = head_.method == "HEAD";
  for (const MirrorPlan& plan : plans_) {
    bool with_body = plan.with_body && body_size_ > 0;
    if (with_body && plan.max_body_size >= 0 &&
        body_size_ > static_cast<std::uint64_t>(plan.max_body_size)) {
      continue;  // as Traefik: a body over maxBodySize is not mirrored at all
    }
    if (mirrorsInFlight() >= kMaxMirrorsInFlight) {
      log::debug("mirror copy dropped: too many mirror requests in flight");
      return;
    }
    Resolution r = resolveService(*snapshot_, plan.service, head_.headers, cursors, false);
    if (r.outcome != Resolution::Outcome::Forward) {
      continue;
    }
    const runtime::ServerSpec& server = r.leaf->servers[static_cast<std::size_t>(r.server)];
    http::HeaderMap headers = head_.headers;
    if (!r.leaf->pass_host_header) {
      headers.set("Host", server.authority);
    }
    if (with_body) {
      headers.set("Content-Length", std::to_string(body_size_));
    } else if (had_body_) {
      headers.set("Content-Length", "0");  // mirrorBody=false: the copy goes without its body
    }
    std::string target = head_.target;
    if (!server.base_path.empty()) {
      target =
          server.base_path +
          (target.starts_with('/') && server.base_path.ends_with('/') ? target.substr(1) : target);
    }
    std::string bytes;
    http::appendRequestHead(bytes, head_.method, target, headers);
    if (with_body) {
      bytes += body_;
    }
    MirrorSender::start(ctx, snapshot_, *r.leaf, r.server, std::move(bytes), head_request);
  }
}

}  // namespace pier::proxy
