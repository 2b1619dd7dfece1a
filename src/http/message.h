// HTTP/1.x message heads and the read-only view that route matchers use.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/ip_address.h"
#include "http/header_map.h"

namespace pier::http {

struct RequestHead {
  std::string method;     // as sent, e.g. "GET"
  std::string target;     // raw request-target, e.g. "/a/b?x=1"
  int version_minor = 1;  // HTTP/1.x
  HeaderMap headers;
};

struct ResponseHead {
  int status = 200;
  std::string reason;  // as sent by the backend; may be empty
  int version_minor = 1;
  HeaderMap headers;
};

// Facts a router rule is matched against (spec C.2). All views borrow from the exchange.
struct RequestView {
  std::string_view method;
  std::string_view host;   // lower-case, port and trailing dot removed; may be empty
  std::string_view path;   // normalized routing path (spec G.6)
  std::string_view query;  // raw query without the '?'; may be empty
  const HeaderMap* headers = nullptr;
  base::IpAddress client_ip;  // connection peer (never X-Forwarded-For)
};

}  // namespace pier::http
