// The small closed label sets Traefik uses for requests: method (RFC methods, else
// EXTENSION_METHOD) and protocol (http, websocket, sse, grpc, grpc-web). Interned as small
// integers so the data path never builds label strings.
#pragma once

#include <cstdint>
#include <string_view>

#include "http/header_map.h"

namespace pier::observability {

enum class Method : std::uint8_t {
  Get,
  Head,
  Post,
  Put,
  Delete,
  Connect,
  Options,
  Trace,
  Patch,
  Pri,
  Extension,
};
inline constexpr std::size_t kMethodCount = 11;

enum class Protocol : std::uint8_t { Http, Websocket, Sse, Grpc, GrpcWeb };
inline constexpr std::size_t kProtocolCount = 5;

Method methodOf(std::string_view method);
std::string_view methodName(Method m);

// As Traefik decides it from the request headers: Upgrade: websocket (with Connection: upgrade),
// Accept: text/event-stream, Content-Type application/grpc-web*, application/grpc*.
Protocol protocolOf(const http::HeaderMap& headers);
std::string_view protocolName(Protocol p);

}  // namespace pier::observability
