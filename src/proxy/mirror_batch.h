// Request mirroring (spec D.5 `mirroring`): copies of a request sent to mirror services whose
// answers are read and dropped. The client's exchange never waits for them: a mirror that is
// slow, down or broken only costs its own connection.
//
// MirrorBatch belongs to one client exchange: created when the request is routed to a
// mirroring service, it keeps a copy of the request body (up to the largest size a mirror
// accepts) and, once the request is complete, starts one fire-and-forget SubRequest
// (proxy/subrequest.h) per chosen mirror. A batch dropped before that (the client went away)
// sends nothing.
// Thread: owning worker.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/ip_address.h"
#include "http/forwarded.h"
#include "http/message.h"
#include "proxy/service_resolver.h"
#include "runtime/snapshot.h"

namespace pier::proxy {

class WorkerContext;

class MirrorBatch {
 public:
  // `head` is the request as the main service gets it (after the router's middlewares), before
  // hop-by-hop removal; `omit_forwarded_for` mirrors the main request's X-Forwarded-For choice.
  MirrorBatch(runtime::SnapshotConstSharedPtr snapshot, std::vector<MirrorPlan> plans,
              const http::RequestHead& head, const http::ForwardedPolicy& forwarded,
              const base::IpAddress& peer, bool omit_forwarded_for);

  // A piece of the request body (decoded: no chunk framing).
  void addBody(std::string_view data);
  // The request is complete: send the copies. Call once.
  void launch(WorkerContext& ctx, ServiceCursors& cursors);

 private:
  runtime::SnapshotConstSharedPtr snapshot_;
  std::vector<MirrorPlan> plans_;
  http::RequestHead head_;
  std::string body_;
  std::uint64_t body_size_ = 0;  // all body bytes seen, kept or not
  std::int64_t keep_limit_ = 0;  // bytes worth keeping; -1 = all
  bool had_body_ = false;
};

}  // namespace pier::proxy
