// An exchange as a worker hands it to the access-log writer thread: its numbers and the bytes of
// its strings, packed into the shard's batch. The writer turns records into lines.
//
// Why the writer formats and the worker only copies: formatting on the worker cost far more than
// its instructions (perf, session 6: about 130 ns on a function of about 100 instructions), cache
// misses on the code, keys, tables and settings that the request's own work, mostly in the
// kernel, had evicted. The writer formats thousands of records in one loop with all of that in
// cache, and the kernel then copies text that was just written. A record is about 160 bytes
// where its line is about 700.
//
// Route names (router, service, server URL and address) live in the configuration, which may be
// gone by the time the writer runs, and they repeat: a shard defines a route once to the writer
// (a route record, copying the four names into a slot) and its lines name the slot.
// Records are read and written with memcpy: a batch is a byte string with no alignment.
// Thread: encoding on the shard's worker, decoding on the writer.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/header_map.h"
#include "observability/access_log.h"
#include "observability/access_log_memo.h"

namespace pier::observability::record {

enum class Kind : std::uint8_t { Line, Route };

constexpr std::uint8_t kRouteSlots = 8;
constexpr std::uint8_t kNoRoute = 0xff;  // a line without router, service or server

// The strings of a line record, in the order their bytes follow the header.
enum LineText : std::uint8_t {
  ClientIp,
  ForwardedFor,
  Method,
  Target,
  Host,
  EntryPoint,
  TlsVersion,
  TlsCipher,
  TlsClientSubject,
  Headers,  // the kept request headers: per field, two 32-bit lengths, the name and the value
  LineTexts
};

struct LineHeader {
  std::int64_t start_ns;   // system clock, since the epoch
  std::int64_t logged_ns;  // idem
  std::int64_t duration_ns;
  std::uint64_t request_bytes;
  std::uint64_t response_bytes;
  std::uint64_t request_count;
  std::int32_t status;
  std::int32_t client_port;
  std::uint32_t retries;
  std::array<std::uint32_t, LineTexts> lengths;
  std::uint8_t version_minor;
  std::uint8_t route_slot;  // kNoRoute, or a slot the shard defined earlier in its batches
  bool forwarded;
  bool tls;
  bool has_headers;  // Headers carries the request's header fields (else the line has none)
};

// A route record's four names follow its header.
struct RouteHeader {
  RouteIdentity identity;
  std::array<std::uint32_t, 4> lengths;  // router, service, server URL, server address
  std::uint8_t slot;
};

// Every record starts with its kind and its whole size (prefix, header and strings).
struct Prefix {
  std::uint32_t size;
  Kind kind;
};

// The line record of `e` (its route defined separately), its strings gathered once for both its
// size and its writing.
class LineRecord {
 public:
  explicit LineRecord(const AccessLogEntry& e);
  std::size_t size() const { return size_; }
  // Writes it at `at` (size() bytes of room); returns the end.
  char* write(char* at, std::uint8_t route_slot) const;

 private:
  const AccessLogEntry& e_;
  std::array<std::string_view, Headers> texts_;  // the strings before the headers
  std::size_t headers_bytes_;
  std::size_t size_;
};
// The bytes of the route record of `e`, and the record itself.
std::size_t routeSize(const AccessLogEntry& e);
char* writeRoute(char* at, const AccessLogEntry& e, std::uint8_t slot);

// Which routes a shard has defined to the writer, found by identity (or by names when the
// identity is unknown), so that a line names a slot. Worker side.
class RouteSlots {
 public:
  // The slot holding `e`'s route, or kNoRoute when `e` has none; `define` is set when the slot
  // was (re)assigned to it and a route record must precede the line.
  std::uint8_t slotFor(const AccessLogEntry& e, bool& define);

 private:
  std::array<MemoPiece<4, RouteIdentity>, kRouteSlots> slots_;
  std::uint8_t next_ = 0;
};

// A shard's routes as the writer knows them, and its lines decoded. Writer side.
class RecordReader {
 public:
  // Reads the record at `at` (within [at, end)); a line fills `e` with views into the record and
  // the slots, and returns true; a route record updates its slot and returns false. `at` moves
  // past the record. Returns false with `at == end` at the end, or on a malformed record.
  bool next(const char*& at, const char* end, AccessLogEntry& e);
  JsonLineMemo& memo() { return memo_; }

 private:
  struct RouteNames {
    RouteIdentity identity;
    std::array<std::string, 4> names;
  };
  std::array<RouteNames, kRouteSlots> routes_;
  http::HeaderMap headers_;  // the current line's kept headers
  JsonLineMemo memo_;        // rendered route fields, for the JSON format
};

}  // namespace pier::observability::record
