#include "proxy/mirror_batch.h"

#include <algorithm>

#include "base/log.h"
#include "http/hop_by_hop.h"
#include "proxy/subrequest.h"
#include "proxy/worker_context.h"

namespace pier::proxy {

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
  for (const MirrorPlan& plan : plans_) {
    bool with_body = plan.with_body && body_size_ > 0;
    if (with_body && plan.max_body_size >= 0 &&
        body_size_ > static_cast<std::uint64_t>(plan.max_body_size)) {
      continue;  // as Traefik: a body over maxBodySize is not mirrored at all
    }
    if (SubRequest::detachedInFlight() >= SubRequest::kMaxDetached) {
      log::debug("mirror copy dropped: too many mirror requests in flight");
      return;
    }
    Resolution r = resolveService(*snapshot_, plan.service, head_.headers, cursors, false);
    if (r.outcome != Resolution::Outcome::Forward) {
      continue;
    }
    const runtime::ServerSpec& server = r.leaf->servers[static_cast<std::size_t>(r.server)];
    const runtime::TransportSpec& transport = r.leaf->transport;
    middleware::OutgoingRequest copy;
    copy.host = server.host;
    copy.port = server.port;
    copy.https = server.https && transport.tls != nullptr;
    copy.tls = copy.https ? transport.tls : nullptr;
    copy.method = head_.method;
    copy.target = head_.target;
    if (!server.base_path.empty()) {
      copy.target =
          server.base_path + (copy.target.starts_with('/') && server.base_path.ends_with('/')
                                  ? copy.target.substr(1)
                                  : copy.target);
    }
    copy.headers = head_.headers;
    if (!r.leaf->pass_host_header) {
      copy.headers.set("Host", server.authority);
    }
    if (with_body) {
      copy.headers.set("Content-Length", std::to_string(body_size_));
      copy.body = body_;
    } else if (had_body_) {
      copy.headers.set("Content-Length", "0");  // mirrorBody=false: the copy goes without its body
    }
    copy.timeout = transport.dial_timeout;
    SubRequest::Detached how;
    // Same pool keys as the main exchange (client_exchange.cc), so mirrors reuse connections.
    how.pool_key = copy.https ? "https://" + server.host + ':' + std::to_string(server.port) + '#' +
                                    transport.name
                              : server.host + ':' + std::to_string(server.port);
    how.header_timeout = transport.response_header_timeout;
    how.what = "mirror request to service " + r.leaf->name;
    SubRequest::startDetached(ctx, std::move(copy), std::move(how));
  }
}

}  // namespace pier::proxy
