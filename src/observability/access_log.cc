#include "observability/access_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

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

std::tm utc(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}

// 28/Nov/2026:14:00:00 +0000 (Traefik formats StartUTC, hence +0000).
std::string clfTime(std::chrono::system_clock::time_point t) {
  std::tm tm = utc(t);
  char buf[64];
  std::strftime(buf, sizeof buf, "%d/%b/%Y:%H:%M:%S +0000", &tm);
  return buf;
}

// RFC 3339 with nanoseconds, as Go marshals a UTC time.Time.
std::string rfc3339(std::chrono::system_clock::time_point t) {
  std::tm tm = utc(t);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count() %
            1000000000;
  std::string out = buf;
  if (ns != 0) {
    char frac[16];
    std::snprintf(frac, sizeof frac, ".%09lld", static_cast<long long>(ns));
    std::string f = frac;
    while (f.back() == '0') {
      f.pop_back();
    }
    out += f;
  }
  return out + "Z";
}

// Traefik's CLF: a value or "-", quoted fields as "value" or "-" in quotes.
std::string orDash(std::string_view v) {
  return v.empty() ? "-" : std::string(v);
}
std::string quoted(std::string_view v) {
  if (v.empty()) {
    return "\"-\"";
  }
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string protocolText(int minor) {
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

std::string clientHost(const AccessLogEntry& e) {
  return e.forwarded_for.empty() ? std::string(e.client_ip) : std::string(e.forwarded_for);
}

std::string clientAddr(const AccessLogEntry& e) {
  bool v6 = e.client_ip.find(':') != std::string_view::npos;
  return (v6 ? "[" + std::string(e.client_ip) + "]" : std::string(e.client_ip)) + ":" +
         std::to_string(e.client_port);
}

std::string lower(std::string_view s) {
  return base::toLower(s);
}

}  // namespace

bool AccessLogSettings::keepField(std::string_view name) const {
  auto it = field_names.find(lower(name));
  FieldMode m = it != field_names.end() ? it->second : fields_default;
  return m == FieldMode::Keep;
}

FieldMode AccessLogSettings::headerMode(std::string_view name) const {
  auto it = header_names.find(lower(name));
  return it != header_names.end() ? it->second : headers_default;
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
  auto field = [&](std::string_view name, std::string value) {
    return s.keepField(name) ? value : std::string();
  };
  auto header = [&](std::string_view name) -> std::string {
    FieldMode m = s.headerMode(name);
    const std::string* v = e.request_headers ? e.request_headers->get(name) : nullptr;
    if (v == nullptr || m == FieldMode::Drop) {
      return {};
    }
    return m == FieldMode::Redact ? "REDACTED" : *v;
  };
  std::string out;
  out.reserve(256);
  out += orDash(field("ClientHost", clientHost(e)));
  out += " - ";
  out += orDash(field("ClientUsername", "-"));
  out += " [";
  out += s.keepField("StartUTC") ? clfTime(e.start) : "-";
  out += "] \"";
  out += orDash(field("RequestMethod", std::string(e.method)));
  out += ' ';
  out += orDash(field("RequestPath", std::string(e.target)));
  out += ' ';
  out += orDash(field("RequestProtocol", protocolText(e.version_minor)));
  out += "\" ";
  out += orDash(field("DownstreamStatus", std::to_string(e.status)));
  out += ' ';
  out += orDash(field("DownstreamContentSize", std::to_string(e.response_bytes)));
  out += ' ';
  out += quoted(header("Referer"));
  out += ' ';
  out += quoted(header("User-Agent"));
  if (s.generic_clf) {
    out += '\n';
    return out;
  }
  out += ' ';
  out += orDash(field("RequestCount", std::to_string(e.request_count)));
  out += ' ';
  out += quoted(field("RouterName", std::string(e.router)));
  out += ' ';
  out += quoted(field("ServiceURL", std::string(e.service_url)));
  out += ' ';
  out += std::to_string(s.keepField("Duration") ? e.duration_ns / 1000000 : 0);
  out += "ms\n";
  return out;
}

std::string AccessLog::formatJson(const AccessLogEntry& e, const AccessLogSettings& s) {
  std::string out = "{";
  bool first = true;
  auto key = [&](std::string_view k) {
    if (!first) {
      out += ',';
    }
    first = false;
    base::appendJsonString(out, k);
    out += ':';
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
      out += std::to_string(v);
    }
  };
  std::string_view req_host, req_port, srv_host, srv_port;
  splitHostPort(e.host, req_host, req_port);
  str("ClientAddr", clientAddr(e));
  str("ClientHost", clientHost(e));
  str("ClientPort", std::to_string(e.client_port));
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
  std::string start = rfc3339(e.start);
  str("StartLocal", start);
  str("StartUTC", start);
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
  if (e.request_headers != nullptr) {
    for (const auto& f : e.request_headers->fields()) {
      FieldMode m = s.headerMode(f.name);
      if (m == FieldMode::Drop) {
        continue;
      }
      key("request_" + f.name);
      base::appendJsonString(out, m == FieldMode::Redact ? std::string_view("REDACTED") : f.value);
    }
  }
  key("level");
  base::appendJsonString(out, "info");
  key("msg");
  base::appendJsonString(out, "");
  key("time");
  base::appendJsonString(out, rfc3339(std::chrono::system_clock::now()));
  out += "}\n";
  return out;
}

void AccessLogShard::add(const AccessLogEntry& entry) {
  const AccessLogSettings& s = log_.settings();
  if (!AccessLog::keep(entry, s)) {
    return;
  }
  buffer_ += s.json ? AccessLog::formatJson(entry, s) : AccessLog::formatCommon(entry, s);
  ++lines_;
  if ((s.buffering_size > 0 && lines_ >= s.buffering_size) || buffer_.size() >= kMaxBufferBytes) {
    flush();
  }
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
