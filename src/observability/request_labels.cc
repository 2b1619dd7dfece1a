#include "observability/request_labels.h"

#include "base/strings.h"

namespace pier::observability {
namespace {

constexpr std::string_view kMethods[kMethodCount] = {
    "GET",     "HEAD",  "POST",  "PUT", "DELETE",          "CONNECT",
    "OPTIONS", "TRACE", "PATCH", "PRI", "EXTENSION_METHOD"};

constexpr std::string_view kProtocols[kProtocolCount] = {"http", "websocket", "sse", "grpc",
                                                         "grpc-web"};

// Any comma-separated item of the header equals `value`, compared case-insensitively.
bool listContains(const http::HeaderMap& headers, std::string_view name, std::string_view value) {
  const std::string* v = headers.get(name);
  if (v == nullptr) {
    return false;
  }
  std::string_view rest = *v;
  while (!rest.empty()) {
    std::size_t comma = rest.find(',');
    std::string_view item = base::trim(rest.substr(0, comma));
    if (base::iequals(item, value)) {
      return true;
    }
    if (comma == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(comma + 1);
  }
  return false;
}

bool startsWithNoCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && base::iequals(s.substr(0, prefix.size()), prefix);
}

}  // namespace

Method methodOf(std::string_view method) {
  for (std::size_t i = 0; i + 1 < kMethodCount; ++i) {
    if (method == kMethods[i]) {
      return static_cast<Method>(i);
    }
  }
  return Method::Extension;
}

std::string_view methodName(Method m) {
  return kMethods[static_cast<std::size_t>(m)];
}

Protocol protocolOf(const http::HeaderMap& headers) {
  if (listContains(headers, "Connection", "upgrade") &&
      listContains(headers, "Upgrade", "websocket")) {
    return Protocol::Websocket;
  }
  if (listContains(headers, "Accept", "text/event-stream")) {
    return Protocol::Sse;
  }
  if (const std::string* ct = headers.get("Content-Type"); ct != nullptr) {
    if (startsWithNoCase(*ct, "application/grpc-web")) {
      return Protocol::GrpcWeb;
    }
    if (startsWithNoCase(*ct, "application/grpc")) {
      return Protocol::Grpc;
    }
  }
  return Protocol::Http;
}

std::string_view protocolName(Protocol p) {
  return kProtocols[static_cast<std::size_t>(p)];
}

}  // namespace pier::observability
