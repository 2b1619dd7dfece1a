// Access logs (Traefik's accessLog): one line per exchange in Traefik's CLF variant ("common")
// or JSON with its field names, filtered by status, retries and duration, with per-field and
// per-header keep/drop/redact.
//
// Writing never blocks a worker: each worker copies an exchange's fields into a record in its own
// buffer (AccessLogShard, access_log_record.h) and hands whole buffers to one writer thread (a
// mutex held for a vector push, once per batch), which formats the lines and writes them.
// Why a thread of our own rather than uv_fs on libuv's pool: that pool is shared with DNS
// resolution and has 4 threads; a slow disk must not delay name lookups, and one owner of the
// file descriptor keeps line order per worker and makes the SIGUSR1 reopen trivial.
// A batch leaves the worker when it reaches bufferingSize lines (or 64 KiB), and at the latest
// on the worker's 100 ms sweep; nothing is dropped: stop() writes everything queued.
// The writer wakes on a 1 s tick (or early once 1 MiB is queued), not on every batch: a
// wake per batch cost more CPU than the file writes themselves (futex, two context switches on
// a shared core), and buffers go back to the workers empty so that a batch costs no malloc.
// Thread: AccessLogShard on its worker; reopen()/stop() from the control thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/result.h"
#include "http/header_map.h"

namespace pier::observability {

class JsonLineMemo;  // observability/access_log_memo.h
namespace record {
class RouteSlots;    // observability/access_log_record.h
class RecordReader;  // idem
}  // namespace record

enum class FieldMode : std::uint8_t { Keep, Drop, Redact };

struct AccessLogSettings {
  std::string file_path;     // empty = stdout
  bool json = false;         // else Traefik's common log format
  bool generic_clf = false;  // genericCLF: common without router, service URL and duration
  std::size_t buffering_size = 0;
  // filters: a line is kept when any configured filter matches (none configured = all lines)
  std::vector<std::pair<int, int>> status_ranges;
  bool retry_attempts = false;
  std::int64_t min_duration_ns = 0;
  // fields
  FieldMode fields_default = FieldMode::Keep;
  std::map<std::string, FieldMode, std::less<>> field_names;  // lower-case field name
  FieldMode headers_default = FieldMode::Drop;
  std::map<std::string, FieldMode, std::less<>> header_names;  // lower-case header name

  bool hasFilters() const {
    return !status_ranges.empty() || retry_attempts || min_duration_ns > 0;
  }
  bool keepField(std::string_view name) const;
  FieldMode headerMode(std::string_view name) const;
  // False when every request header is dropped (the default): the proxy then keeps only the
  // headers the line is built from (Host, X-Forwarded-For) for the exchange.
  bool anyHeaderKept() const;
};

// Every field a line can carry, in JSON output order ("level", "msg" and "time" are always
// written, request_<header> fields follow their own modes).
enum class LogField : std::uint8_t {
  ClientAddr,
  ClientHost,
  ClientPort,
  ClientUsername,
  DownstreamContentSize,
  DownstreamStatus,
  Duration,
  OriginContentSize,
  OriginDuration,
  OriginStatus,
  Overhead,
  RequestAddr,
  RequestHost,
  RequestPort,
  RequestContentSize,
  RequestCount,
  RequestMethod,
  RequestPath,
  RequestProtocol,
  RequestScheme,
  RetryAttempts,
  RouterName,
  ServiceName,
  ServiceURL,
  ServiceAddr,
  StartLocal,
  StartUTC,
  TLSCipher,
  TLSClientSubject,
  TLSVersion,
  EntryPointName,
  Count
};
constexpr std::string_view logFieldName(LogField field) {
  constexpr std::string_view kNames[] = {"ClientAddr",
                                         "ClientHost",
                                         "ClientPort",
                                         "ClientUsername",
                                         "DownstreamContentSize",
                                         "DownstreamStatus",
                                         "Duration",
                                         "OriginContentSize",
                                         "OriginDuration",
                                         "OriginStatus",
                                         "Overhead",
                                         "RequestAddr",
                                         "RequestHost",
                                         "RequestPort",
                                         "RequestContentSize",
                                         "RequestCount",
                                         "RequestMethod",
                                         "RequestPath",
                                         "RequestProtocol",
                                         "RequestScheme",
                                         "RetryAttempts",
                                         "RouterName",
                                         "ServiceName",
                                         "ServiceURL",
                                         "ServiceAddr",
                                         "StartLocal",
                                         "StartUTC",
                                         "TLSCipher",
                                         "TLSClientSubject",
                                         "TLSVersion",
                                         "entryPointName"};
  static_assert(std::size(kNames) == static_cast<std::size_t>(LogField::Count));
  return kNames[static_cast<std::size_t>(field)];
}

// Which fields a line keeps, decided once from fields.defaultMode and fields.names (a line
// then tests a bit per field instead of looking names up).
class KeptFields {
 public:
  explicit KeptFields(const AccessLogSettings& settings);
  bool operator[](LogField field) const {
    return (bits_ >> static_cast<unsigned>(field) & 1U) != 0;
  }

 private:
  std::uint64_t bits_ = 0;
};

// Parses "404" or "500-599" (Traefik's filters.statusCodes). Error names the bad entry.
Result<std::pair<int, int>> parseStatusRange(std::string_view text);
Result<FieldMode> parseFieldMode(std::string_view text);

// The configuration objects a line's route fields come from: a generation's router, service
// and server. Within a generation they are immutable and generations are numbered once per
// process, so two lines with the same identity print the same route fields and the shard's memo
// compares these four words instead of the strings, which are cold by the end of an exchange.
struct RouteIdentity {
  std::uint64_t generation = 0;  // 0: unknown, the memo compares the strings
  const void* router = nullptr;
  const void* service = nullptr;
  const void* server = nullptr;  // nullptr until a server was contacted
  bool known() const { return generation != 0; }
  friend bool operator==(const RouteIdentity&, const RouteIdentity&) = default;
};

// What the proxy knows about one exchange, borrowed for the duration of AccessLogShard::add().
struct AccessLogEntry {
  std::chrono::system_clock::time_point start;
  std::int64_t duration_ns = 0;
  std::string_view client_ip;
  int client_port = 0;
  std::string_view forwarded_for;  // trusted X-Forwarded-For, replaces ClientHost when set
  std::string_view method;
  std::string_view target;  // as received
  int version_minor = 1;
  std::string_view host;  // Host header
  const http::HeaderMap* request_headers = nullptr;
  std::uint64_t request_bytes = 0;
  int status = 0;
  std::uint64_t response_bytes = 0;
  bool forwarded = false;  // went to a backend: Origin* fields
  std::string_view router;
  std::string_view service;
  std::string_view service_url;
  std::string_view service_addr;
  RouteIdentity route_identity;  // where router .. service_addr come from
  std::string_view entry_point;
  std::uint32_t retries = 0;
  std::uint64_t request_count = 0;
  // When the line is written (JSON "time"); zero = read the clock while formatting.
  std::chrono::system_clock::time_point logged{};
  // TLS connections (json format): "1.3", the IANA cipher name, the client certificate's
  // subject as Go prints it (empty without a client certificate).
  bool tls = false;
  std::string_view tls_version;
  std::string_view tls_cipher;
  std::string_view tls_client_subject;
};

class AccessLog;

class AccessLogShard {
 public:
  AccessLogShard(AccessLog& log, std::size_t index);
  ~AccessLogShard();
  // Filters one line and buffers its record (the writer formats it).
  void add(const AccessLogEntry& entry);
  // Hands what is buffered to the writer (sweep, shutdown).
  void flush();
  const AccessLogSettings& settings() const;
  // False when every request header is dropped (decided once: the proxy asks per request).
  bool keepsRequestHeaders() const { return keeps_request_headers_; }
  // Process-wide request number (Traefik's RequestCount).
  std::uint64_t nextRequestCount() {
    return request_count_->fetch_add(1, std::memory_order_relaxed) + 1;
  }

  // The wall-clock time of a steady-clock reading. The exchange has read the steady clock
  // already; converting it saves the line a clock read. The offset between the two clocks is
  // taken again on every sweep (syncWallClock), so a step of the wall clock shows within 100 ms.
  std::chrono::system_clock::time_point wallTime(std::chrono::steady_clock::time_point t) const {
    return std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(t.time_since_epoch() +
                                                                        wall_offset_));
  }
  void syncWallClock();

 private:
  // Room for `bytes` more at the end of the buffer.
  char* room(std::size_t bytes);

  AccessLog& log_;
  std::size_t index_;  // the writer keeps this shard's routes under it
  // What every line reads of the settings, copied here: a line then touches the shard's cache
  // lines and not the settings'.
  bool filters_ = false;
  bool keeps_request_headers_ = false;
  std::size_t buffering_size_ = 0;
  std::atomic<std::uint64_t>* request_count_;
  std::chrono::nanoseconds wall_offset_{0};  // system clock minus steady clock
  // Records are written into buffer_[0, used_). The buffer keeps its full size between records:
  // growing a std::string zeroes the new bytes, and doing that per record was a measurable cost.
  std::string buffer_;
  std::size_t used_ = 0;
  std::size_t lines_ = 0;
  std::unique_ptr<record::RouteSlots> routes_;  // the routes this shard defined to the writer
};

class AccessLog {
 public:
  // Opens the file (append, created 0644) and starts the writer thread.
  static Result<std::unique_ptr<AccessLog>> open(AccessLogSettings settings, std::size_t workers);
  ~AccessLog();

  const AccessLogSettings& settings() const { return settings_; }
  AccessLogShard& shard(std::size_t worker) { return *shards_[worker]; }

  // SIGUSR1: the file is closed and opened again by path before the next write (rotation).
  void reopen();
  // Writes everything handed over so far and ends the writer thread. Idempotent.
  void stop();

  // Writer input; workers only, through their shard. Takes `batch` (records of shard `shard`)
  // and leaves an empty buffer (with capacity, when the writer has one to give back) in its
  // place.
  void submit(std::size_t shard, std::string& batch);

  // Formatting, exposed for unit tests.
  static std::string formatCommon(const AccessLogEntry& e, const AccessLogSettings& s);
  static std::string formatJson(const AccessLogEntry& e, const AccessLogSettings& s);
  // The same lines appended to `out` (the shard's buffer), without temporaries.
  static void appendCommon(std::string& out, const AccessLogEntry& e, const AccessLogSettings& s,
                           const KeptFields& kept);
  // `memo`: the writer's remembered route fields (nullptr renders them every time).
  static void appendJson(std::string& out, const AccessLogEntry& e, const AccessLogSettings& s,
                         const KeptFields& kept, JsonLineMemo* memo = nullptr);
  // The JSON line written at `at`, which has room for jsonBound() bytes; returns its end.
  static char* writeJson(char* at, const AccessLogEntry& e, const AccessLogSettings& s,
                         const KeptFields& kept, JsonLineMemo* memo);
  static std::size_t jsonBound(const AccessLogEntry& e, const AccessLogSettings& s);
  static bool keep(const AccessLogEntry& e, const AccessLogSettings& s);

 private:
  struct Batch {
    std::size_t shard;
    std::string records;
  };
  AccessLog(AccessLogSettings settings, int fd);
  void run();
  bool openFile();
  // Formats the lines of `batches` and writes them, in order.
  void writeLines(std::vector<Batch>& batches);
  // Writes out_[0, out_used_) and empties it.
  void writeOut();

  AccessLogSettings settings_;
  KeptFields kept_;
  int fd_;
  std::vector<std::unique_ptr<AccessLogShard>> shards_;
  friend class AccessLogShard;
  // Every worker's every line increments it: a cache line of its own (the type's alignment pads
  // it), apart from the writer's mutex and queue.
  struct alignas(64) Counter {
    std::atomic<std::uint64_t> value{0};
  };
  Counter request_count_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Batch> queue_;
  std::size_t queued_bytes_ = 0;
  bool writer_idle_ = false;        // the writer sleeps until a batch arrives, not on its tick
  std::vector<std::string> spare_;  // written buffers, cleared, for the workers to reuse
  bool stopping_ = false;
  bool reopen_ = false;
  // Writer thread only: per shard, its routes and remembered route fields; the formatted lines
  // waiting for a write (kept at full size, like a shard's buffer).
  std::vector<std::unique_ptr<record::RecordReader>> readers_;
  std::string out_;
  std::size_t out_used_ = 0;
  std::string scratch_;  // common format: a line is appended here, then copied
  std::thread writer_;
};

}  // namespace pier::observability
