// The request state an exchange keeps while an asynchronous middleware (forwardAuth) waits for
// its outgoing call: the head and the RequestContext that refers to it live here, in the
// exchange, rather than on the stack of the parser callback (see client_async.cc).
#pragma once

#include <optional>

#include "http/message.h"
#include "http/parser.h"
#include "middleware/middleware.h"
#include "runtime/snapshot.h"

namespace pier::proxy {

struct SuspendedRequest {
  SuspendedRequest(http::RequestHead&& h, const http::BodyInfo& b, const runtime::ServiceSpec& s)
      : head(std::move(h)), body(b), service(&s) {}
  SuspendedRequest(const SuspendedRequest&) = delete;
  SuspendedRequest& operator=(const SuspendedRequest&) = delete;

  http::RequestHead head;
  http::BodyInfo body;
  const runtime::ServiceSpec* service;  // the router's; the pinned snapshot owns it
  middleware::RequestContext ctx{.head = head};
  // ctx.resume called from inside a completion: run the chain once the completion returned.
  bool delivering = false;
  std::optional<middleware::Verdict> resumed;
};

}  // namespace pier::proxy
