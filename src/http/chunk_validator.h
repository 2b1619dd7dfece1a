// ChunkValidator: an independent check of chunked transfer-coding framing (RFC 9112 §7.1) over
// the raw bytes of a body, run by Http1Parser in front of llhttp. llhttp 8.1 skips the two bytes
// after each chunk's data without looking at them, so `4\r\nabcdXX0\r\n\r\n` ends the body and
// whatever follows is parsed as a new (smuggled) message; this validator insists on CRLF there and
// on strict line framing everywhere else. It keeps O(1) state, so a body may arrive split at any
// byte. Thread: the owning parser's. Allocation: none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace pier::http {

class ChunkValidator {
 public:
  enum class Result : std::uint8_t {
    NeedMore,  // every byte given was valid framing; the body goes on
    Done,      // the body's final CRLF was the last byte consumed
    Error,     // the byte at `consumed` is invalid; see reason()
  };
  struct Scan {
    std::size_t consumed;  // Done: bytes up to and including the final LF; Error: offset of the bad
                           // byte; NeedMore: all of them
    Result result;
  };

  /// Starts a chunked body: the next byte scanned is the first byte of the first chunk-size line.
  void start();
  /// Back to idle (no body being checked).
  void stop();
  /// True between start() and the end of the body (Done) or the first error.
  bool active() const;

  /// Checks `bytes`, the next bytes of the body. Stops at the end of the body, so bytes after it
  /// (the next message) are left unconsumed. Once Error, every later call returns Error at 0.
  Scan scan(std::string_view bytes);

  /// Static reason of the last Error, for logs.
  std::string_view reason() const { return reason_; }

  /// Most hex digits a chunk-size may have (Go's net/http rejects more, leading zeros included).
  static constexpr int kMaxSizeDigits = 16;

 private:
  enum class State : std::uint8_t {
    Idle,
    SizeStart,     // first hex digit of chunk-size
    Size,          // further hex digits, ';' or CR
    Extension,     // after ';': anything but CR, LF or other controls, up to CR
    SizeLf,        // LF ending the chunk-size line
    Data,          // `remaining_` bytes of chunk-data, content unchecked
    DataCr,        // CR right after the chunk-data
    DataLf,        // LF right after that CR
    TrailerStart,  // first tchar of a trailer field name, or CR of the empty line ending the body
    TrailerName,   // further tchars of the field name, up to ':'
    TrailerValue,  // the field value (its content is llhttp's business), up to CR
    TrailerLf,     // LF ending a trailer field line
    FinalLf,       // LF of the empty line ending the body
    Done,
    Failed,
  };

  Scan fail(std::size_t at, std::string_view reason);

  State state_ = State::Idle;
  std::uint64_t size_ = 0;       // chunk-size being read
  int digits_ = 0;               // hex digits read for size_
  std::uint64_t remaining_ = 0;  // chunk-data bytes still expected
  std::string_view reason_;
};

}  // namespace pier::http
