#include "observability/access_log.h"
#include "observability/access_log_memo.h"

#include <fcntl.h>
#include <sys/uio.h>
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

constexpr std::size_t kMaxBufferBytes = 64 * 1024;
constexpr std::size_t kLineSlackBytes = 8 * 1024;  // room for the line that crosses 64 KiB
// The writer's tick, and how much may queue before a worker wakes it early (bounds memory when
// the workers produce faster than one tick drains).
constexpr auto kWriteInterval = std::chrono::milliseconds(100);
constexpr std::size_t kWakeBytes = 1024 * 1024;
constexpr std::size_t kMaxSpareBuffers = 16;

// Writes every batch, in order, with as few system calls as possible.
void writeBatches(int fd, const std::vector<std::string>& batches) {
  constexpr std::size_t kMaxIov = 64;
  std::size_t next = 0;  // first batch not completely written
  std::size_t skip = 0;  // bytes of batches[next] already written
  while (next < batches.size()) {
    iovec iov[kMaxIov];
    std::size_t count = 0;
    for (std::size_t i = next; i < batches.size() && count < kMaxIov; ++i) {
      std::size_t from = i == next ? skip : 0;
      iov[count].iov_base = const_cast<char*>(batches[i].data() + from);
      iov[count].iov_len = batches[i].size() - from;
      ++count;
    }
    ssize_t n = ::writev(fd, iov, static_cast<int>(count));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return;  // nowhere to report it without recursing into logging; the lines are lost
    }
    auto written = static_cast<std::size_t>(n);
    while (next < batches.size() && written >= batches[next].size() - skip) {
      written -= batches[next].size() - skip;
      skip = 0;
      ++next;
    }
    skip += written;
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
  const AccessLogSettings& s = log_.settings();
  if (filters_ && !AccessLog::keep(entry, s)) {
    return;
  }
  if (json_) {
    char* at = room(AccessLog::jsonBound(entry, s));
    used_ = static_cast<std::size_t>(AccessLog::writeJson(at, entry, s, kept_, json_memo_.get()) -
                                     buffer_.data());
  } else {
    scratch_.clear();
    AccessLog::appendCommon(scratch_, entry, s, kept_);
    std::memcpy(room(scratch_.size()), scratch_.data(), scratch_.size());
    used_ += scratch_.size();
  }
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

AccessLogShard::AccessLogShard(AccessLog& log)
    : log_(log),
      json_(log.settings().json),
      filters_(log.settings().hasFilters()),
      keeps_request_headers_(log.settings().anyHeaderKept()),
      buffering_size_(log.settings().buffering_size),
      kept_(log.keptFields()),
      request_count_(&log.request_count_.value) {
  if (log.settings().json) {
    json_memo_ = std::make_unique<JsonLineMemo>();
  }
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
  log_.submit(buffer_);
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
    log->shards_.push_back(std::make_unique<AccessLogShard>(*log));
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

void AccessLog::submit(std::string& batch) {
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    queued_bytes_ += batch.size();
    queue_.push_back(std::move(batch));
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

void AccessLog::run() {
  std::vector<std::string> batch;
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
    writeBatches(fd_, batch);
    {
      std::lock_guard lock(mu_);
      for (std::string& b : batch) {
        if (spare_.size() >= kMaxSpareBuffers) {
          break;
        }
        // Not cleared: a worker overwrites it from the start, and a buffer that keeps its size
        // is grown back to full size by zeroing only its last few kilobytes.
        spare_.push_back(std::move(b));
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
