#include "observability/access_log.h"
#include "observability/access_log_memo.h"
#include "observability/access_log_record.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <iterator>
#include <limits>

#include "base/strings.h"
#include "observability/access_log_fields.h"
#include "observability/log_time.h"

namespace pier::observability {
namespace {

using detail::clientHost;
using detail::protocolText;

// A shard hands its records over at 64 KiB (about 400 lines); the slack is room for the record
// that crosses it.
constexpr std::size_t kMaxBufferBytes = 64 * 1024;
constexpr std::size_t kLineSlackBytes = 8 * 1024;
// The writer's tick, and how much may queue before a worker wakes it early (bounds memory when
// the workers produce faster than one tick drains). 1 MiB of records is about 6,500 lines.
// Each wake of the writer cost the proxy's core far more than the lines it formats: a 100 ms
// tick with wakes every 256 KiB cost 0.7 % more CPU per request than a 1 s tick with wakes
// every 1 MiB, and wakes every 64 KiB 1 % more again (two proxies side by side, 16 paired
// rounds each, session 6). A line reaches the file within about a second.
constexpr auto kWriteInterval = std::chrono::milliseconds(1000);
constexpr std::size_t kWakeBytes = 1024 * 1024;
constexpr std::size_t kMaxSpareBuffers = 16;
// The writer writes its formatted lines in pieces of this size: small enough that the kernel's
// copy reads what was just written from the cache, large enough that system calls are rare.
constexpr std::size_t kOutBytes = 128 * 1024;

// Writes all of `bytes`.
void writeAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return;  // nowhere to report it without recursing into logging; the lines are lost
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

// 28/Nov/2026:14:00:00 +0000 (Traefik formats StartUTC, hence +0000).
void appendClfTime(std::string& out, std::chrono::system_clock::time_point t) {
  thread_local SecondText cache;
  out += clfTime(t, cache);
}

void appendInt(std::string& out, std::int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<std::size_t>(r.ptr - buf));
}

// Traefik's CLF: a value or "-", quoted fields as "value" or "-" in quotes.
void appendOrDash(std::string& out, std::string_view v) {
  if (v.empty()) {
    out += '-';
  } else {
    out += v;
  }
}
void appendQuoted(std::string& out, std::string_view v) {
  if (v.empty()) {
    out += "\"-\"";
    return;
  }
  out += '"';
  for (char c : v) {
    if (c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  out += '"';
}

// Looks `name` up lower-cased without allocating (names longer than any configured one
// cannot match).
FieldMode lookupLower(const std::map<std::string, FieldMode, std::less<>>& names,
                      std::string_view name, FieldMode fallback) {
  if (names.empty()) {
    return fallback;
  }
  char buf[128];
  if (name.size() > sizeof buf) {
    auto it = names.find(base::toLower(name));
    return it != names.end() ? it->second : fallback;
  }
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    buf[i] = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  }
  auto it = names.find(std::string_view(buf, name.size()));
  return it != names.end() ? it->second : fallback;
}

}  // namespace

KeptFields::KeptFields(const AccessLogSettings& settings) {
  static_assert(static_cast<unsigned>(LogField::Count) <= 64);
  for (unsigned i = 0; i < static_cast<unsigned>(LogField::Count); ++i) {
    if (settings.keepField(logFieldName(static_cast<LogField>(i)))) {
      bits_ |= std::uint64_t{1} << i;
    }
  }
}

bool AccessLogSettings::keepField(std::string_view name) const {
  return lookupLower(field_names, name, fields_default) == FieldMode::Keep;
}

FieldMode AccessLogSettings::headerMode(std::string_view name) const {
  return lookupLower(header_names, name, headers_default);
}

bool AccessLogSettings::anyHeaderKept() const {
  if (headers_default != FieldMode::Drop) {
    return true;
  }
  for (const auto& [name, mode] : header_names) {
    if (mode != FieldMode::Drop) {
      return true;
    }
  }
  return false;
}

Result<std::pair<int, int>> parseStatusRange(std::string_view text) {
  auto bad = [&] {
    return fail(Error::config("accessLog.filters.statusCodes: \"" + std::string(text) +
                              "\" is not a status code or a range like 500-599"));
  };
  std::string_view t = base::trim(text);
  std::size_t dash = t.find('-');
  unsigned long long lo = 0;
  unsigned long long hi = 0;
  if (dash == std::string_view::npos) {
    if (!base::parseUint64(t, lo)) {
      return bad();
    }
    hi = lo;
  } else if (!base::parseUint64(base::trim(t.substr(0, dash)), lo) ||
             !base::parseUint64(base::trim(t.substr(dash + 1)), hi) || hi < lo) {
    return bad();
  }
  if (hi > 999) {
    return bad();
  }
  return std::make_pair(static_cast<int>(lo), static_cast<int>(hi));
}

Result<FieldMode> parseFieldMode(std::string_view text) {
  if (base::iequals(text, "keep"))
    return FieldMode::Keep;
  if (base::iequals(text, "drop"))
    return FieldMode::Drop;
  if (base::iequals(text, "redact"))
    return FieldMode::Redact;
  return fail(Error::config("accessLog.fields: \"" + std::string(text) +
                            "\" is not a mode (expected keep, drop or redact)"));
}

bool AccessLog::keep(const AccessLogEntry& e, const AccessLogSettings& s) {
  if (!s.hasFilters()) {
    return true;
  }
  for (const auto& [lo, hi] : s.status_ranges) {
    if (e.status >= lo && e.status <= hi) {
      return true;
    }
  }
  if (s.retry_attempts && e.retries > 0) {
    return true;
  }
  return s.min_duration_ns > 0 && e.duration_ns > s.min_duration_ns;
}

std::string AccessLog::formatCommon(const AccessLogEntry& e, const AccessLogSettings& s) {
  std::string out;
  appendCommon(out, e, s, KeptFields(s));
  return out;
}

std::string AccessLog::formatJson(const AccessLogEntry& e, const AccessLogSettings& s) {
  std::string out;
  appendJson(out, e, s, KeptFields(s));
  return out;
}

void AccessLog::appendCommon(std::string& out, const AccessLogEntry& e, const AccessLogSettings& s,
                             const KeptFields& kept) {
  using F = LogField;
  auto field = [&](F f, std::string_view value) {
    appendOrDash(out, kept[f] ? value : std::string_view());
  };
  auto number = [&](F f, std::int64_t value) {
    if (kept[f]) {
      appendInt(out, value);
    } else {
      out += '-';
    }
  };
  auto header = [&](std::string_view name) {
    FieldMode m = s.headerMode(name);
    const std::string* v = e.request_headers ? e.request_headers->get(name) : nullptr;
    if (v == nullptr || m == FieldMode::Drop) {
      appendQuoted(out, {});
    } else {
      appendQuoted(out, m == FieldMode::Redact ? std::string_view("REDACTED") : *v);
    }
  };
  field(F::ClientHost, clientHost(e));
  out += " - ";
  field(F::ClientUsername, "-");
  out += " [";
  if (kept[F::StartUTC]) {
    appendClfTime(out, e.start);
  } else {
    out += '-';
  }
  out += "] \"";
  field(F::RequestMethod, e.method);
  out += ' ';
  field(F::RequestPath, e.target);
  out += ' ';
  field(F::RequestProtocol, protocolText(e.version_minor));
  out += "\" ";
  number(F::DownstreamStatus, e.status);
  out += ' ';
  number(F::DownstreamContentSize, static_cast<std::int64_t>(e.response_bytes));
  out += ' ';
  header("Referer");
  out += ' ';
  header("User-Agent");
  if (s.generic_clf) {
    out += '\n';
    return;
  }
  out += ' ';
  number(F::RequestCount, static_cast<std::int64_t>(e.request_count));
  out += ' ';
  appendQuoted(out, kept[F::RouterName] ? e.router : std::string_view());
  out += ' ';
  appendQuoted(out, kept[F::ServiceURL] ? e.service_url : std::string_view());
  out += ' ';
  appendInt(out, kept[F::Duration] ? e.duration_ns / 1000000 : 0);
  out += "ms\n";
}

void AccessLogShard::add(const AccessLogEntry& entry) {
  if (filters_ && !AccessLog::keep(entry, log_.settings())) {
    return;
  }
  bool define = false;
  std::uint8_t slot = routes_->slotFor(entry, define);
  if (define) {
    char* at = room(record::routeSize(entry));
    used_ = static_cast<std::size_t>(record::writeRoute(at, entry, slot) - buffer_.data());
  }
  record::LineRecord line(entry);
  char* at = room(line.size());
  used_ = static_cast<std::size_t>(line.write(at, slot) - buffer_.data());
  ++lines_;
  if ((buffering_size_ > 0 && lines_ >= buffering_size_) || used_ >= kMaxBufferBytes) {
    flush();
  }
}

char* AccessLogShard::room(std::size_t bytes) {
  if (buffer_.size() < used_ + bytes) {
    // One allocation per batch, not a doubling series; a line larger than the slack (many
    // request headers kept) grows it once.
    buffer_.resize(std::max(used_ + bytes, kMaxBufferBytes + kLineSlackBytes));
  }
  return buffer_.data() + used_;
}

AccessLogShard::AccessLogShard(AccessLog& log, std::size_t index)
    : log_(log),
      index_(index),
      filters_(log.settings().hasFilters()),
      keeps_request_headers_(log.settings().anyHeaderKept()),
      buffering_size_(log.settings().buffering_size),
      request_count_(&log.request_count_.value),
      routes_(std::make_unique<record::RouteSlots>()) {
  syncWallClock();
}

void AccessLogShard::syncWallClock() {
  auto steady = std::chrono::steady_clock::now().time_since_epoch();
  auto wall = std::chrono::system_clock::now().time_since_epoch();
  wall_offset_ = std::chrono::duration_cast<std::chrono::nanoseconds>(wall) -
                 std::chrono::duration_cast<std::chrono::nanoseconds>(steady);
}

AccessLogShard::~AccessLogShard() = default;

const AccessLogSettings& AccessLogShard::settings() const {
  return log_.settings();
}

void AccessLogShard::flush() {
  if (used_ == 0) {
    return;
  }
  buffer_.resize(used_);
  log_.submit(index_, buffer_);
  used_ = 0;
  lines_ = 0;
}

Result<std::unique_ptr<AccessLog>> AccessLog::open(AccessLogSettings settings,
                                                   std::size_t workers) {
  int fd = STDOUT_FILENO;
  if (!settings.file_path.empty()) {
    fd = ::open(settings.file_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
      return fail(Error::config("accessLog.filePath: cannot open \"" + settings.file_path +
                                "\": " + std::strerror(errno)));
    }
  }
  std::unique_ptr<AccessLog> log(new AccessLog(std::move(settings), fd));
  for (std::size_t i = 0; i < workers; ++i) {
    log->shards_.push_back(std::make_unique<AccessLogShard>(*log, i));
    log->readers_.push_back(std::make_unique<record::RecordReader>());
  }
  log->writer_ = std::thread([raw = log.get()] { raw->run(); });
  return log;
}

AccessLog::AccessLog(AccessLogSettings settings, int fd)
    : settings_(std::move(settings)), kept_(settings_), fd_(fd) {}

AccessLog::~AccessLog() {
  stop();
  if (fd_ != STDOUT_FILENO && fd_ >= 0) {
    ::close(fd_);
  }
}

void AccessLog::submit(std::size_t shard, std::string& batch) {
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    queued_bytes_ += batch.size();
    queue_.push_back(Batch{shard, std::move(batch)});
    batch = std::string();
    if (!spare_.empty()) {
      batch.swap(spare_.back());
      spare_.pop_back();
    }
    wake = writer_idle_ || queued_bytes_ >= kWakeBytes;
    writer_idle_ = false;
  }
  if (wake) {
    cv_.notify_one();
  }
}

void AccessLog::reopen() {
  {
    std::lock_guard lock(mu_);
    reopen_ = true;
  }
  cv_.notify_one();
}

void AccessLog::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !writer_.joinable()) {
      return;
    }
    stopping_ = true;
  }
  cv_.notify_one();
  if (writer_.joinable()) {
    writer_.join();
  }
}

bool AccessLog::openFile() {
  if (settings_.file_path.empty()) {
    return true;
  }
  int fd = ::open(settings_.file_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return false;  // keep writing to the old descriptor rather than losing lines
  }
  if (fd_ >= 0 && fd_ != STDOUT_FILENO) {
    ::close(fd_);
  }
  fd_ = fd;
  return true;
}

void AccessLog::writeOut() {
  writeAll(fd_, std::string_view(out_.data(), out_used_));
  out_used_ = 0;
}

void AccessLog::writeLines(std::vector<Batch>& batches) {
  if (out_.size() < kOutBytes + kLineSlackBytes) {
    out_.resize(kOutBytes + kLineSlackBytes);
  }
  AccessLogEntry e;
  for (Batch& batch : batches) {
    record::RecordReader& reader = *readers_[batch.shard];
    const char* at = batch.records.data();
    const char* end = at + batch.records.size();
    while (at < end) {
      if (!reader.next(at, end, e)) {
        continue;  // a route record, or the end
      }
      std::size_t bound = 0;
      if (settings_.json) {
        bound = jsonBound(e, settings_);
      } else {
        scratch_.clear();
        appendCommon(scratch_, e, settings_, kept_);
        bound = scratch_.size();
      }
      if (out_used_ + bound > out_.size()) {
        writeOut();
        if (bound > out_.size()) {
          out_.resize(bound);  // a line with many long headers
        }
      }
      char* line = out_.data() + out_used_;
      if (settings_.json) {
        out_used_ = static_cast<std::size_t>(writeJson(line, e, settings_, kept_, &reader.memo()) -
                                             out_.data());
      } else {
        std::memcpy(line, scratch_.data(), scratch_.size());
        out_used_ += scratch_.size();
      }
      if (out_used_ >= kOutBytes) {
        writeOut();
      }
    }
  }
  writeOut();
}

void AccessLog::run() {
  std::vector<Batch> batch;
  for (;;) {
    bool reopen = false;
    bool stopping = false;
    {
      std::unique_lock lock(mu_);
      if (queue_.empty() && !stopping_ && !reopen_) {
        // Nothing to write: sleep until a worker hands a batch over (an idle proxy never
        // wakes this thread), then collect for one tick.
        writer_idle_ = true;
        cv_.wait(lock, [&] { return stopping_ || reopen_ || !queue_.empty(); });
        writer_idle_ = false;
      }
      cv_.wait_for(lock, kWriteInterval,
                   [&] { return stopping_ || reopen_ || queued_bytes_ >= kWakeBytes; });
      batch.swap(queue_);
      queued_bytes_ = 0;
      reopen = reopen_;
      reopen_ = false;
      stopping = stopping_;
    }
    // Lines handed over before the signal belong to the old file (it was renamed away).
    writeLines(batch);
    {
      std::lock_guard lock(mu_);
      for (Batch& b : batch) {
        if (spare_.size() >= kMaxSpareBuffers) {
          break;
        }
        // Not cleared: a worker overwrites it from the start, and a buffer that keeps its size
        // is grown back to full size by zeroing only its last few kilobytes.
        spare_.push_back(std::move(b.records));
      }
    }
    batch.clear();
    if (reopen) {
      openFile();
    }
    if (stopping) {
      std::lock_guard lock(mu_);
      if (queue_.empty()) {
        return;
      }
    }
  }
}

}  // namespace pier::observability
