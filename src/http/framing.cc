#include "http/framing.h"

#include <vector>

#include "base/strings.h"

namespace pier::http {
namespace {

constexpr FramingVerdict kOk{};

bool persistentByDefault(int version_minor, const HeaderMap& headers) {
  if (headers.hasToken("Connection", "close")) {
    return false;
  }
  return version_minor >= 1 || headers.hasToken("Connection", "keep-alive");
}

// Result of looking at the Content-Length and Transfer-Encoding fields of one head.
struct LengthFields {
  std::size_t cl_count = 0;
  std::uint64_t content_length = 0;
  bool cl_valid = true;
  bool has_te = false;
  // Transfer-Encoding shape.
  std::size_t codings = 0;
  std::size_t chunked_count = 0;
  bool chunked_last = false;
  bool empty_coding = false;
};

void scanTransferCodings(std::string_view value, LengthFields& out) {
  out.has_te = true;
  while (true) {
    std::size_t comma = value.find(',');
    std::string_view item = base::trim(value.substr(0, comma));
    if (item.empty()) {
      out.empty_coding = true;
    } else {
      ++out.codings;
      bool chunked = base::iequals(item, "chunked");
      out.chunked_count += chunked ? 1 : 0;
      out.chunked_last = chunked;
    }
    if (comma == std::string_view::npos) {
      break;
    }
    value.remove_prefix(comma + 1);
  }
}

LengthFields scanLengthFields(const HeaderMap& headers) {
  LengthFields out;
  for (const HeaderField& f : headers) {
    if (headerNameEquals(f.name, "Content-Length")) {
      ++out.cl_count;
      if (!parseContentLength(f.value, out.content_length)) {
        out.cl_valid = false;
      }
    } else if (headerNameEquals(f.name, "Transfer-Encoding")) {
      scanTransferCodings(f.value, out);
    }
  }
  return out;
}

// Shared CL/TE checks; `bad` is the status for malformed framing (400 request, 500 response).
FramingVerdict checkLengthFields(const LengthFields& f, int bad) {
  if (f.cl_count > 1) {
    return {bad, "duplicate Content-Length"};
  }
  if (!f.cl_valid) {
    return {bad, "invalid Content-Length"};
  }
  if (f.has_te && f.cl_count > 0) {
    return {bad, "Content-Length with Transfer-Encoding"};
  }
  if (!f.has_te) {
    return kOk;
  }
  if (f.empty_coding || f.codings == 0) {
    return {bad, "empty transfer-coding"};
  }
  if (!f.chunked_last || f.chunked_count != 1) {
    return {bad, "chunked is not the final transfer-coding"};
  }
  if (f.codings != 1) {
    return {bad == 400 ? 501 : bad, "unsupported transfer-coding"};
  }
  return kOk;
}

FramingVerdict checkHost(const RequestHead& head) {
  std::size_t hosts = 0;
  head.headers.forEach("Host", [&](std::string_view) { ++hosts; });
  if (hosts > 1) {
    return {400, "too many Host headers"};
  }
  if (hosts == 0 && head.version_minor >= 1) {
    return {400, "missing required Host header"};
  }
  return kOk;
}

FramingVerdict checkExpect(const RequestHead& head, BodyInfo& body) {
  bool any = false;
  head.headers.forEach("Expect", [&](std::string_view v) { any = any || !base::trim(v).empty(); });
  if (!any) {
    return kOk;
  }
  if (head.headers.hasToken("Expect", "100-continue")) {
    body.expect_continue = head.version_minor >= 1;
    return kOk;
  }
  return {417, "unsupported Expect"};
}

}  // namespace

bool parseContentLength(std::string_view value, std::uint64_t& out) {
  value = base::trim(value);
  if (value.empty() || value.size() > 19) {  // 19 digits always fit in 64 bits
    return false;
  }
  std::uint64_t n = 0;
  for (char c : value) {
    if (c < '0' || c > '9') {
      return false;
    }
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  out = n;
  return true;
}

FramingVerdict requestFraming(const RequestHead& head, BodyInfo& body) {
  body = BodyInfo{};
  FramingVerdict v = checkHost(head);
  if (!v.ok()) {
    return v;
  }
  LengthFields f = scanLengthFields(head.headers);
  v = checkLengthFields(f, 400);
  if (!v.ok()) {
    return v;
  }
  v = checkExpect(head, body);
  if (!v.ok()) {
    return v;
  }
  if (f.has_te) {
    body.kind = BodyKind::Chunked;
  } else if (f.cl_count == 1 && f.content_length > 0) {
    body.kind = BodyKind::ContentLength;
    body.content_length = f.content_length;
  }
  body.keep_alive = persistentByDefault(head.version_minor, head.headers);
  return kOk;
}

FramingVerdict responseFraming(const ResponseHead& head, bool no_body, BodyInfo& body) {
  body = BodyInfo{};
  body.keep_alive = persistentByDefault(head.version_minor, head.headers);
  if (head.status == 101) {
    body.upgrade = true;
    return kOk;
  }
  if (no_body || head.status / 100 == 1 || head.status == 204 || head.status == 304) {
    return kOk;  // framing fields describe the entity only (RFC 9112 §6.3 rule 1)
  }
  LengthFields f = scanLengthFields(head.headers);
  FramingVerdict v = checkLengthFields(f, 500);
  if (!v.ok()) {
    return v;
  }
  if (f.has_te) {
    body.kind = BodyKind::Chunked;
  } else if (f.cl_count == 1) {
    body.kind = f.content_length > 0 ? BodyKind::ContentLength : BodyKind::None;
    body.content_length = f.content_length;
  } else {
    body.kind = BodyKind::UntilClose;
    body.keep_alive = false;
  }
  return kOk;
}

}  // namespace pier::http
