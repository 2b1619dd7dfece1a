#include "observability/access_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <limits>

#include "base/strings.h"

namespace pier::observability {
namespace {

constexpr std::size_t kMaxBufferBytes = 64 * 1024;

void writeAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return;  // nowhere to report it without recursing into logging; the line is lost
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

// The date-and-time part of a timestamp changes once a second while lines are written
// thousands of times a second: each thread keeps the last second it formatted (gmtime and
// strftime cost more than the rest of a line).
struct SecondText {
  std::int64_t secs = std::numeric_limits<std::int64_t>::min();
  char text[64] = {};
  std::size_t len = 0;
};

std::string_view utcText(std::int64_t secs, const char* format, SecondText& cache) {
  if (secs != cache.secs) {
    auto t = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&t, &tm);
    cache.len = std::strftime(cache.text, sizeof cache.text, format, &tm);
    cache.secs = secs;
  }
  return {cache.text, cache.len};
}

// Whole seconds and nanoseconds since the epoch (floored, so the fraction is never negative).
std::pair<std::int64_t, std::int64_t> splitNs(std::chrono::system_clock::time_point t) {
  std::int64_t ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  std::int64_t secs = ns / 1000000000;
  std::int64_t frac = ns % 1000000000;
  if (frac < 0) {
    frac += 1000000000;
    --secs;
  }
  return {secs, frac};
}

// 28/Nov/2026:14:00:00 +0000 (Traefik formats StartUTC, hence +0000).
void appendClfTime(std::string& out, std::chrono::system_clock::time_point t) {
  thread_local SecondText cache;
  out += utcText(splitNs(t).first, "%d/%b/%Y:%H:%M:%S +0000", cache);
}

// RFC 3339 with nanoseconds, as Go marshals a UTC time.Time (trailing zeros trimmed).
std::string_view rfc3339(char (&buf)[64], std::chrono::system_clock::time_point t) {
  thread_local SecondText cache;
  auto [secs, ns] = splitNs(t);
  std::string_view date = utcText(secs, "%Y-%m-%dT%H:%M:%S", cache);
  std::size_t n = date.copy(buf, sizeof buf - 11);
  if (ns != 0) {
    buf[n] = '.';
    for (std::size_t i = 9; i >= 1; --i) {
      buf[n + i] = static_cast<char>('0' + ns % 10);
      ns /= 10;
    }
    n += 10;
    while (buf[n - 1] == '0') {
      --n;
    }
  }
  buf[n++] = 'Z';
  return {buf, n};
}

// True when a string goes into JSON as it is (no byte needs escaping).
bool plainJson(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\') {
      return false;
    }
  }
  return true;
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

std::string_view protocolText(int minor) {
  return minor == 0 ? "HTTP/1.0" : "HTTP/1.1";
}

// host:port split as Go's net.SplitHostPort, empty on failure.
void splitHostPort(std::string_view addr, std::string_view& host, std::string_view& port) {
  host = addr;
  port = {};
  std::size_t colon = addr.rfind(':');
  if (colon == std::string_view::npos) {
    host = {};
    return;
  }
  if (addr.find(']') != std::string_view::npos && addr.find(']') > colon) {
    host = {};
    return;
  }
  host = addr.substr(0, colon);
  if (!host.empty() && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  port = addr.substr(colon + 1);
}

std::string_view clientHost(const AccessLogEntry& e) {
  return e.forwarded_for.empty() ? e.client_ip : e.forwarded_for;
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
  appendCommon(out, e, s);
  return out;
}

std::string AccessLog::formatJson(const AccessLogEntry& e, const AccessLogSettings& s) {
  std::string out;
  appendJson(out, e, s);
  return out;
}

void AccessLog::appendCommon(std::string& out, const AccessLogEntry& e,
                             const AccessLogSettings& s) {
  auto field = [&](std::string_view name, std::string_view value) {
    appendOrDash(out, s.keepField(name) ? value : std::string_view());
  };
  auto number = [&](std::string_view name, std::int64_t value) {
    if (s.keepField(name)) {
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
  field("ClientHost", clientHost(e));
  out += " - ";
  field("ClientUsername", "-");
  out += " [";
  if (s.keepField("StartUTC")) {
    appendClfTime(out, e.start);
  } else {
    out += '-';
  }
  out += "] \"";
  field("RequestMethod", e.method);
  out += ' ';
  field("RequestPath", e.target);
  out += ' ';
  field("RequestProtocol", protocolText(e.version_minor));
  out += "\" ";
  number("DownstreamStatus", e.status);
  out += ' ';
  number("DownstreamContentSize", static_cast<std::int64_t>(e.response_bytes));
  out += ' ';
  header("Referer");
  out += ' ';
  header("User-Agent");
  if (s.generic_clf) {
    out += '\n';
    return;
  }
  out += ' ';
  number("RequestCount", static_cast<std::int64_t>(e.request_count));
  out += ' ';
  appendQuoted(out, s.keepField("RouterName") ? e.router : std::string_view());
  out += ' ';
  appendQuoted(out, s.keepField("ServiceURL") ? e.service_url : std::string_view());
  out += ' ';
  appendInt(out, s.keepField("Duration") ? e.duration_ns / 1000000 : 0);
  out += "ms\n";
}

void AccessLog::appendJson(std::string& out, const AccessLogEntry& e, const AccessLogSettings& s) {
  out += '{';
  bool first = true;
  // Field names are plain ASCII: written as they are, no escaping pass.
  auto key = [&](std::string_view k) {
    if (!first) {
      out += ',';
    }
    first = false;
    out += '"';
    out += k;
    out += "\":";
  };
  auto str = [&](std::string_view k, std::string_view v) {
    if (s.keepField(k)) {
      key(k);
      base::appendJsonString(out, v);
    }
  };
  auto num = [&](std::string_view k, std::int64_t v) {
    if (s.keepField(k)) {
      key(k);
      appendInt(out, v);
    }
  };
  std::string_view req_host, req_port;
  splitHostPort(e.host, req_host, req_port);
  if (s.keepField("ClientAddr")) {
    key("ClientAddr");
    // "[v6]:port" or "v4:port"; an address has nothing to escape
    bool v6 = e.client_ip.find(':') != std::string_view::npos;
    out += v6 ? "\"[" : "\"";
    out += e.client_ip;
    out += v6 ? "]:" : ":";
    appendInt(out, e.client_port);
    out += '"';
  }
  str("ClientHost", clientHost(e));
  if (s.keepField("ClientPort")) {
    key("ClientPort");
    out += '"';
    appendInt(out, e.client_port);
    out += '"';
  }
  str("ClientUsername", "-");
  num("DownstreamContentSize", static_cast<std::int64_t>(e.response_bytes));
  num("DownstreamStatus", e.status);
  num("Duration", e.duration_ns);
  if (e.forwarded) {
    num("OriginContentSize", static_cast<std::int64_t>(e.response_bytes));
    num("OriginDuration", e.duration_ns);
    num("OriginStatus", e.status);
  }
  num("Overhead", e.forwarded ? 0 : e.duration_ns);
  if (!e.host.empty()) {
    str("RequestAddr", e.host);
    str("RequestHost", req_host.empty() ? e.host : req_host);
    str("RequestPort", req_port.empty() ? "-" : req_port);
  }
  num("RequestContentSize", static_cast<std::int64_t>(e.request_bytes));
  num("RequestCount", static_cast<std::int64_t>(e.request_count));
  str("RequestMethod", e.method);
  str("RequestPath", e.target);
  str("RequestProtocol", protocolText(e.version_minor));
  str("RequestScheme", e.tls ? "https" : "http");
  num("RetryAttempts", e.retries);
  if (!e.router.empty()) {
    str("RouterName", e.router);
  }
  if (!e.service.empty()) {
    str("ServiceName", e.service);
  }
  if (!e.service_url.empty()) {
    str("ServiceURL", e.service_url);
    str("ServiceAddr", e.service_addr);
  }
  if (s.keepField("StartLocal") || s.keepField("StartUTC")) {
    char buf[64];
    std::string_view start = rfc3339(buf, e.start);
    str("StartLocal", start);
    str("StartUTC", start);
  }
  if (e.tls) {
    str("TLSCipher", e.tls_cipher);
    if (!e.tls_client_subject.empty()) {
      str("TLSClientSubject", e.tls_client_subject);
    }
    str("TLSVersion", e.tls_version);
  }
  if (!e.entry_point.empty()) {
    str("entryPointName", e.entry_point);
  }
  if (e.request_headers != nullptr &&
      (s.headers_default != FieldMode::Drop || !s.header_names.empty())) {
    for (const auto& f : e.request_headers->fields()) {
      FieldMode m = s.headerMode(f.name);
      if (m == FieldMode::Drop) {
        continue;
      }
      if (plainJson(f.name)) {  // header names are tokens: the usual case
        out += first ? "\"request_" : ",\"request_";
        first = false;
        out += f.name;
        out += "\":";
      } else {
        out += first ? "" : ",";
        first = false;
        base::appendJsonString(out, "request_" + f.name);
        out += ':';
      }
      base::appendJsonString(out, m == FieldMode::Redact ? std::string_view("REDACTED") : f.value);
    }
  }
  key("level");
  out += "\"info\"";
  key("msg");
  out += "\"\"";
  key("time");
  char buf[64];
  base::appendJsonString(out, rfc3339(buf, e.logged != std::chrono::system_clock::time_point{}
                                               ? e.logged
                                               : std::chrono::system_clock::now()));
  out += "}\n";
}

void AccessLogShard::add(const AccessLogEntry& entry) {
  const AccessLogSettings& s = log_.settings();
  if (!AccessLog::keep(entry, s)) {
    return;
  }
  if (buffer_.capacity() < kMaxBufferBytes) {
    buffer_.reserve(kMaxBufferBytes + 4096);  // one allocation per batch, not a doubling series
  }
  if (s.json) {
    AccessLog::appendJson(buffer_, entry, s);
  } else {
    AccessLog::appendCommon(buffer_, entry, s);
  }
  ++lines_;
  if ((s.buffering_size > 0 && lines_ >= s.buffering_size) || buffer_.size() >= kMaxBufferBytes) {
    flush();
  }
}

const AccessLogSettings& AccessLogShard::settings() const {
  return log_.settings();
}

void AccessLogShard::flush() {
  if (buffer_.empty()) {
    return;
  }
  log_.submit(std::move(buffer_));
  buffer_ = std::string();
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
    : settings_(std::move(settings)), fd_(fd) {}

AccessLog::~AccessLog() {
  stop();
  if (fd_ != STDOUT_FILENO && fd_ >= 0) {
    ::close(fd_);
  }
}

void AccessLog::submit(std::string&& batch) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(batch));
  }
  cv_.notify_one();
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
      cv_.wait(lock, [&] { return stopping_ || reopen_ || !queue_.empty(); });
      batch.swap(queue_);
      reopen = reopen_;
      reopen_ = false;
      stopping = stopping_;
    }
    // Lines handed over before the signal belong to the old file (it was renamed away).
    for (const std::string& b : batch) {
      writeAll(fd_, b);
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
