#include "http/chunk_validator.h"

#include <algorithm>

#include "base/strings.h"
#include "http/header_map.h"

namespace pier::http {

namespace {

// RFC 9110 tchar: a character of a token (field names).
bool isTokenChar(char c) {
  return isHttpToken(std::string_view(&c, 1));
}

// CTL other than HTAB (RFC 5234 CTL = %x00-1F / %x7F). CR and LF are handled by the callers.
bool isControl(char c) {
  auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && c != '\t') || u == 0x7f;
}

}  // namespace

void ChunkValidator::start() {
  state_ = State::SizeStart;
  size_ = 0;
  digits_ = 0;
  remaining_ = 0;
  reason_ = {};
}

void ChunkValidator::stop() {
  state_ = State::Idle;
}

bool ChunkValidator::active() const {
  return state_ != State::Idle && state_ != State::Done && state_ != State::Failed;
}

ChunkValidator::Scan ChunkValidator::fail(std::size_t at, std::string_view reason) {
  state_ = State::Failed;
  reason_ = reason;
  return {at, Result::Error};
}

ChunkValidator::Scan ChunkValidator::scan(std::string_view bytes) {
  // chunked-body = *chunk last-chunk trailer-section CRLF
  // chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
  // Stricter than the RFC in one place, like llhttp and Go: no whitespace around chunk-size.
  std::size_t i = 0;
  while (i < bytes.size()) {
    const char c = bytes[i];
    switch (state_) {
      case State::Idle:
      case State::Done:
        return {i, Result::Done};  // nothing to check: leave the bytes to the caller
      case State::Failed:
        return {0, Result::Error};

      case State::SizeStart: {
        int v = base::hexValue(c);
        if (v < 0) {
          return fail(i, "invalid chunk size");  // ` 4`, `-1`, `;x` without size, bare LF…
        }
        size_ = static_cast<std::uint64_t>(v);
        digits_ = 1;
        state_ = State::Size;
        break;
      }
      case State::Size: {
        int v = base::hexValue(c);
        if (v >= 0) {
          if (++digits_ > kMaxSizeDigits) {
            return fail(i, "chunk size too large");  // 16 digits cannot overflow 64 bits
          }
          size_ = size_ * 16 + static_cast<std::uint64_t>(v);
        } else if (c == ';') {
          state_ = State::Extension;
        } else if (c == '\r') {
          state_ = State::SizeLf;
        } else {
          return fail(i, "invalid chunk size");  // `4x`, `4 `, `4\n`
        }
        break;
      }
      case State::Extension:
        // Token or quoted-string syntax is llhttp's check; a CR ends the line, and no valid
        // extension contains LF or another control character.
        if (c == '\r') {
          state_ = State::SizeLf;
        } else if (c == '\n' || isControl(c)) {
          return fail(i, "invalid character in chunk extension");
        }
        break;
      case State::SizeLf:
        if (c != '\n') {
          return fail(i, "chunk size line not ended by CRLF");
        }
        if (size_ == 0) {
          state_ = State::TrailerStart;  // last-chunk
        } else {
          remaining_ = size_;
          state_ = State::Data;
        }
        break;
      case State::Data: {
        // Skip the data in one step; it is opaque.
        std::uint64_t avail = bytes.size() - i;
        std::uint64_t take = std::min(avail, remaining_);
        remaining_ -= take;
        i += static_cast<std::size_t>(take);
        if (remaining_ == 0) {
          state_ = State::DataCr;
        }
        continue;  // `i` already advanced
      }
      case State::DataCr:
        // The check llhttp 8.1 lacks: the two bytes after chunk-data must be CRLF.
        if (c != '\r') {
          return fail(i, "chunk data not followed by CRLF");
        }
        state_ = State::DataLf;
        break;
      case State::DataLf:
        if (c != '\n') {
          return fail(i, "chunk data not followed by CRLF");
        }
        state_ = State::SizeStart;
        size_ = 0;
        digits_ = 0;
        break;
      case State::TrailerStart:
        // trailer-section = *( field-line CRLF ), then the CRLF ending the body. Checking that a
        // line starts with `token ":"` means a request line sent where the final CRLF belongs
        // (`0\r\nGET / HTTP/1.1\r\n…`) is refused here, not taken for a trailer.
        if (c == '\r') {
          state_ = State::FinalLf;
        } else if (isTokenChar(c)) {
          state_ = State::TrailerName;
        } else if (c == '\n') {
          return fail(i, "bare LF in chunked trailer section");
        } else {
          return fail(i, "invalid trailer field name");  // also obs-fold (SP/HTAB) and ":"
        }
        break;
      case State::TrailerName:
        if (c == ':') {
          state_ = State::TrailerValue;
        } else if (!isTokenChar(c)) {
          return fail(i, "invalid trailer field name");
        }
        break;
      case State::TrailerValue:
        if (c == '\r') {
          state_ = State::TrailerLf;
        } else if (c == '\n') {
          return fail(i, "bare LF in chunked trailer section");
        }
        break;
      case State::TrailerLf:
        if (c != '\n') {
          return fail(i, "trailer field line not ended by CRLF");
        }
        state_ = State::TrailerStart;
        break;
      case State::FinalLf:
        if (c != '\n') {
          return fail(i, "chunked body not ended by CRLF");
        }
        state_ = State::Done;
        return {i + 1, Result::Done};
    }
    ++i;
  }
  switch (state_) {
    case State::Failed:
      return {0, Result::Error};
    case State::Idle:
    case State::Done:
      return {i, Result::Done};
    default:
      return {i, Result::NeedMore};
  }
}

}  // namespace pier::http
