// Http1Parser: incremental HTTP/1.1 request or response parser over llhttp (strict mode).
// Thread: the owning connection's worker. Lifetime: owned by the connection that feeds it.
//
// Delivery order for each message: onRequestHead/onResponseHead, zero or more onBody (de-chunked
// bytes, views into the buffer given to feed()), onMessageComplete. After EVERY completed message
// feed() stops with Paused (or Upgrade), and `consumed` says where; call resume() and feed the
// rest. The sink may not destroy the parser from inside a callback.
//
// Error statuses (errorStatus() after a feed/finishEof returned Error):
//   request mode:  400 malformed or ambiguous (smuggling) framing, bad characters, obs-fold, bad
//                  Host count; 431 head larger than max_header_bytes or more than
//                  max_header_count fields; 501 CONNECT (spec G.4) or a transfer-coding other
//                  than chunked (RFC 9112 §6.1); 505 HTTP major version other than 1;
//                  417 an Expect other than 100-continue.
//   response mode: 500 malformed response (spec G.5), 502 upstream closed mid-message (finishEof).
// Trailer fields of chunked bodies are parsed, limited and dropped.
//
// Beyond llhttp 8.1's strict mode, the parser itself checks that a head's final empty line is
// exactly CRLF (before the head is delivered) and validates chunked framing byte by byte
// (ChunkValidator: CRLF after each chunk's data, 1-16 hex digits, CRLF line ends, trailer lines
// `token ":" …`) before llhttp sees the body; violations are the 400/500 above.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "http/framing.h"
#include "http/message.h"

namespace pier::http {

struct ParseLimits {
  std::size_t max_header_bytes = 1 << 20;  // start line + fields (+4 bytes per field)
  std::size_t max_header_count = 512;
};

class ParserSink {
 public:
  virtual void onRequestHead(RequestHead&& head, const BodyInfo& body) {
    (void)head;
    (void)body;
  }
  virtual void onResponseHead(ResponseHead&& head, const BodyInfo& body) {
    (void)head;
    (void)body;
  }
  /// De-chunked body bytes: a view into the buffer passed to feed(), valid during the call.
  virtual void onBody(std::string_view data) = 0;
  virtual void onMessageComplete() = 0;

 protected:
  ~ParserSink() = default;
};

enum class ParseStatus : std::uint8_t {
  Ok,       // all bytes consumed; feed more when they arrive
  Paused,   // stopped right after a completed message; call resume() before feeding the rest
  Upgrade,  // an upgrade request (after its body, if any) or a 101 response completed;
            // bytes after `consumed` belong to the tunnel. resume() goes back to HTTP parsing.
  Error,    // see errorStatus()/errorReason(); the parser stays failed until reset()
};

struct FeedResult {
  std::size_t consumed;  // never more than the input size
  ParseStatus status;
};

class Http1Parser {
 public:
  enum class Mode : std::uint8_t { Request, Response };

  Http1Parser(Mode mode, ParserSink& sink, ParseLimits limits = {});
  ~Http1Parser();
  Http1Parser(const Http1Parser&) = delete;
  Http1Parser& operator=(const Http1Parser&) = delete;

  /// Parses `bytes`. While Paused/Upgrade (before resume()) or after Error, consumes nothing and
  /// returns that status again. Bytes after a message whose BodyInfo had keep_alive == false
  /// (Connection: close, HTTP/1.0, until-close body) are an Error: the connection is done.
  FeedResult feed(std::string_view bytes);
  /// The peer closed. Completes an UntilClose response body (onMessageComplete is called);
  /// Error when a message was mid-way; Ok otherwise.
  FeedResult finishEof();
  /// Continues after Paused, or after Upgrade when the exchange stays HTTP (non-101 answer).
  void resume();
  /// Response mode: the next final response answers a HEAD request, so it has no body.
  void expectNoBodyForNextResponse();
  /// Back to the initial state for a new connection (limits and mode kept).
  void reset();

  int errorStatus() const;  // 0 unless the last result was Error
  std::string_view errorReason() const;
  Mode mode() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace pier::http
