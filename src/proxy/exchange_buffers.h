// Per-exchange state of the response-body filter hook and of request buffering (the compress and
// buffering middlewares); driven by client_body_filter.cc. Empty (no allocation) unless a
// router's chain asks for either.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "http/framing.h"
#include "http/message.h"
#include "middleware/middleware.h"

namespace pier::proxy {

struct ExchangeBuffers {
  // Response side: the filter the chain returned, and the head it keeps back while deciding.
  std::unique_ptr<middleware::BodyFilter> filter;
  std::optional<http::ResponseHead> held_head;
  // Request side: what the chain asked for, and the request held until its body is complete.
  middleware::RequestContext::RequestBuffering request;
  std::optional<http::RequestHead> request_head;
  http::BodyInfo request_info;
  std::string request_body;

  bool holdsRequest() const { return request_head.has_value(); }
};

}  // namespace pier::proxy
