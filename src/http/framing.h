// Message framing decisions for HTTP/1.1 heads: which body follows, keep-alive, smuggling checks
// (RFC 9112 §6). Pure functions over a parsed head; the parser calls them when a head is complete.
// Thread: any. No allocation beyond the head itself.
#pragma once

#include <cstdint>
#include <string_view>

#include "http/message.h"

namespace pier::http {

enum class BodyKind : std::uint8_t { None, ContentLength, Chunked, UntilClose };

struct BodyInfo {
  BodyKind kind = BodyKind::None;
  std::uint64_t content_length = 0;  // valid when kind == ContentLength
  bool keep_alive = true;            // the connection may carry another message after this one
  bool upgrade = false;              // request: Connection: upgrade + Upgrade; response: 101
  bool expect_continue = false;      // request: HTTP/1.1 with Expect: 100-continue
};

// Outcome of a framing check. `status` 0 means accepted; otherwise the status to answer with
// and a static reason for logs.
struct FramingVerdict {
  int status = 0;
  std::string_view reason;
  bool ok() const { return status == 0; }
};

/// Decides the body of a request and rejects ambiguous framing:
///  * more than one Content-Length field, or a value that is not 1*DIGIT → 400;
///  * Content-Length together with Transfer-Encoding → 400;
///  * Transfer-Encoding whose final coding is not `chunked`, or `chunked` twice, or empty → 400;
///  * other codings before a final `chunked` (e.g. `gzip, chunked`) → 501 (RFC 9112 §6.1; Go, hence
///    Traefik, answers the same);
///  * HTTP/1.1 without exactly one Host, or HTTP/1.0 with several → 400;
///  * an Expect value other than 100-continue → 417 (Go's server does the same).
/// Does not set `upgrade` (the parser owns that decision).
FramingVerdict requestFraming(const RequestHead& head, BodyInfo& body);

/// Decides the body of a response. `no_body` is true when the response answers a HEAD request.
/// 1xx/204/304/HEAD → None; 101 → None + upgrade; chunked → Chunked; Content-Length →
/// ContentLength; neither → UntilClose (keep_alive false). Transfer-Encoding other than exactly
/// `chunked`, duplicate or malformed Content-Length, CL+TE → error 500 (spec G.5: malformed
/// upstream response).
FramingVerdict responseFraming(const ResponseHead& head, bool no_body, BodyInfo& body);

/// Parses a Content-Length value: 1*DIGIT, no sign, no inner spaces, no overflow.
bool parseContentLength(std::string_view value, std::uint64_t& out);

}  // namespace pier::http
