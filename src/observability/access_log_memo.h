// What one client connection keeps for its access-log lines, created with its first logged
// request and reused by the next ones.
//
// Why: on a keep-alive connection most of a JSON line is the same from one request to the next
// (the client, the route, TLS and the entry point). Rendering, escaping and key-writing those
// pieces was most of a line's cost, so each is rendered once and copied while the values it
// was made from stay the same. The values are compared on every line, so a piece can never be
// stale: a new route, or a new X-Forwarded-For, renders again.
// Thread: the connection's worker.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http/header_map.h"
#include "http/message.h"

namespace pier::observability {

struct AccessLogSettings;

// What a line prints of the request as received (before middlewares and forwarding change it).
// The strings keep their capacity from one request to the next, so a connection's requests
// cost no allocation once the first has been logged.
struct LoggedRequest {
  std::string method;
  std::string target;
  int version_minor = 1;
  std::string host;           // first Host field; empty when none
  std::string forwarded_for;  // first X-Forwarded-For field
  bool has_forwarded_for = false;
  http::HeaderMap headers;  // only fields whose mode is not drop (accessLog.fields.headers)

  // Copies what a line can print: the request line, Host, X-Forwarded-For, and the headers
  // whose mode is not drop (none unless accessLog.fields.headers asks).
  void assign(const http::RequestHead& head, const AccessLogSettings& settings);
};

// A rendered piece of a line and the values it was rendered from.
template <std::size_t N>
class MemoPiece {
 public:
  using Inputs = std::array<std::string_view, N>;

  bool matches(const Inputs& inputs, std::uint64_t number) const {
    if (!valid_ || number != number_) {
      return false;
    }
    for (std::size_t i = 0; i < N; ++i) {
      if (inputs[i] != inputs_[i]) {
        return false;
      }
    }
    return true;
  }
  void store(const Inputs& inputs, std::uint64_t number, std::string_view text) {
    for (std::size_t i = 0; i < N; ++i) {
      inputs_[i].assign(inputs[i]);
    }
    number_ = number;
    text_.assign(text);
    valid_ = true;
  }
  std::string_view text() const { return text_; }

 private:
  std::array<std::string, N> inputs_;
  std::uint64_t number_ = 0;
  std::string text_;
  bool valid_ = false;
};

// The JSON pieces (access_log_json.cc renders them; the order of the inputs is its business).
struct JsonLineMemo {
  MemoPiece<2> client;  // ClientAddr .. ClientUsername: client IP, X-Forwarded-For; port
  MemoPiece<4> route;   // RouterName .. ServiceAddr: router, service, URL, address
  MemoPiece<4> tail;    // TLS* and entryPointName: version, cipher, subject, entry point; TLS
};

struct ConnectionLog {
  LoggedRequest request;
  JsonLineMemo json;
  // The client certificate's subject as a line prints it, parsed once per connection.
  std::optional<std::string> tls_client_subject;
};

}  // namespace pier::observability
