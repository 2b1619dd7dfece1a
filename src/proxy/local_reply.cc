#include "proxy/local_reply.h"

#include <ctime>

#include "http/status.h"

namespace pier::proxy {
namespace {

constexpr std::string_view kTextPlain = "text/plain; charset=utf-8";

void appendDate(std::string& out) {
  char buf[64];
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(buf, sizeof buf, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
  out += buf;
}

}  // namespace

std::string renderSimple(int status, std::string_view content_type, std::string_view body,
                         std::string_view extra_headers, bool close, bool head_only) {
  std::string out;
  out.reserve(160 + body.size());
  out += "HTTP/1.1 ";
  out += std::to_string(status);
  out += ' ';
  out += http::reasonPhrase(status);
  out += "\r\n";
  if (!content_type.empty()) {
    out += "Content-Type: ";
    out += content_type;
    out += "\r\n";
  }
  if (content_type == kTextPlain) {
    out += "X-Content-Type-Options: nosniff\r\n";
  }
  out += extra_headers;
  appendDate(out);
  out += "Content-Length: ";
  out += std::to_string(body.size());
  out += "\r\n";
  if (close) {
    out += "Connection: close\r\n";
  }
  out += "\r\n";
  if (!head_only) {
    out += body;
  }
  return out;
}

std::string renderLocalReply(LocalReply kind, bool close, bool head_only) {
  switch (kind) {
    case LocalReply::NotFound:
      return renderSimple(404, kTextPlain, "404 page not found\n", {}, close, head_only);
    case LocalReply::NoAvailableServer:
      return renderSimple(503, kTextPlain, "no available server\n", {}, close, head_only);
    case LocalReply::BadGateway:
      return renderSimple(502, {}, "Bad Gateway", {}, close, head_only);
    case LocalReply::GatewayTimeout:
      return renderSimple(504, {}, "Gateway Timeout", {}, close, head_only);
    case LocalReply::BadRequest:
      return renderSimple(400, kTextPlain, "400 Bad Request", {}, true, head_only);
    case LocalReply::HeadersTooLarge:
      return renderSimple(431, kTextPlain, "431 Request Header Fields Too Large", {}, true,
                          head_only);
    case LocalReply::NotImplemented:
      return renderSimple(501, {}, "", {}, close, head_only);
    case LocalReply::Teapot:
      return renderSimple(418, {}, "", {}, close, head_only);
    case LocalReply::InternalError:
      return renderSimple(500, {}, "Internal Server Error", {}, close, head_only);
  }
  return renderSimple(500, {}, "Internal Server Error", {}, true, head_only);
}

}  // namespace pier::proxy
