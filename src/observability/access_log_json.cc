// The JSON access-log line, with Traefik's field names and order.
//
// Why a writer over a pre-sized region instead of std::string appends: a line is about thirty
// fields of a few bytes each, and the per-append capacity check and out-of-line copy were most
// of a line's cost. The line's size has an upper bound known before writing (every value byte
// escapes to at most six), so the region is sized once and each piece is a plain copy.
#include <charconv>
#include <cstring>

#include "observability/access_log.h"
#include "observability/access_log_fields.h"
#include "observability/log_time.h"

namespace pier::observability {
namespace {

using detail::clientHost;
using detail::protocolText;
using detail::splitHostPort;

constexpr std::size_t kMaxEscapedPerByte = 6;  // \u00XX
constexpr std::size_t kMaxNumberBytes = 20;
// Keys, punctuation, numbers and the three timestamps of a line, with room to spare.
constexpr std::size_t kFixedBound = 1024;

// Bytes that JSON strings must escape: controls, quote and backslash.
constexpr bool needsEscape(unsigned char c) {
  return c < 0x20 || c == '"' || c == '\\';
}

// Where the first byte needing an escape is, or s.size(). A plain byte loop: an 8-bytes-per-step
// version measured no faster on these short values (session 4), so it was not kept.
std::size_t firstToEscape(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (needsEscape(static_cast<unsigned char>(s[i]))) {
      return i;
    }
  }
  return s.size();
}

class LineWriter {
 public:
  LineWriter(std::string& out, std::size_t bound) : out_(out), start_(out.size()) {
    out_.resize(start_ + bound);
    p_ = out_.data() + start_;
  }
  ~LineWriter() { out_.resize(static_cast<std::size_t>(p_ - out_.data())); }
  LineWriter(const LineWriter&) = delete;
  LineWriter& operator=(const LineWriter&) = delete;

  void put(std::string_view s) {
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }
  void put(char c) { *p_++ = c; }
  void integer(std::int64_t v) { p_ = std::to_chars(p_, p_ + kMaxNumberBytes + 4, v).ptr; }
  // `s` quoted, escaped as Go's encoder escapes control bytes, quotes and backslashes.
  void jsonString(std::string_view s) {
    put('"');
    jsonChars(s);
    put('"');
  }
  // The escaped bytes of `s` without the quotes.
  void jsonChars(std::string_view s) {
    for (;;) {
      std::size_t i = firstToEscape(s);
      put(s.substr(0, i));
      if (i == s.size()) {
        return;
      }
      escape(static_cast<unsigned char>(s[i]));
      s.remove_prefix(i + 1);
    }
  }
  // Overwrites the line's first byte (every field is written with a leading comma).
  void replaceFirst(char c) { out_[start_] = c; }

 private:
  void escape(unsigned char c) {
    switch (c) {
      case '"':
        put("\\\"");
        break;
      case '\\':
        put("\\\\");
        break;
      case '\n':
        put("\\n");
        break;
      case '\t':
        put("\\t");
        break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        char buf[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
        put(std::string_view(buf, sizeof buf));
      }
    }
  }

  std::string& out_;
  std::size_t start_;
  char* p_;
};

// `,"Name":` for every field, built once.
struct JsonKeys {
  std::string text[static_cast<std::size_t>(LogField::Count)];
  JsonKeys() {
    for (std::size_t i = 0; i < static_cast<std::size_t>(LogField::Count); ++i) {
      text[i] = ",\"" + std::string(logFieldName(static_cast<LogField>(i))) + "\":";
    }
  }
  std::string_view operator[](LogField f) const { return text[static_cast<std::size_t>(f)]; }
};
const JsonKeys kJsonKeys;

// An upper bound of the line's length.
std::size_t lineBound(const AccessLogEntry& e, bool with_headers) {
  std::size_t values = e.client_ip.size() + e.forwarded_for.size() + 3 * e.host.size() +
                       e.method.size() + e.target.size() + e.router.size() + e.service.size() +
                       e.service_url.size() + e.service_addr.size() + e.entry_point.size() +
                       e.tls_version.size() + e.tls_cipher.size() + e.tls_client_subject.size();
  std::size_t bound = kFixedBound + kMaxEscapedPerByte * values;
  if (with_headers && e.request_headers != nullptr) {
    for (const auto& f : e.request_headers->fields()) {
      bound += 16 + kMaxEscapedPerByte * (f.name.size() + f.value.size());
    }
  }
  return bound;
}

}  // namespace

void AccessLog::appendJson(std::string& out, const AccessLogEntry& e, const AccessLogSettings& s,
                           const KeptFields& kept) {
  using F = LogField;
  bool with_headers = e.request_headers != nullptr &&
                      (s.headers_default != FieldMode::Drop || !s.header_names.empty());
  LineWriter w(out, lineBound(e, with_headers));
  auto str = [&](F f, std::string_view v) {
    if (kept[f]) {
      w.put(kJsonKeys[f]);
      w.jsonString(v);
    }
  };
  auto num = [&](F f, std::int64_t v) {
    if (kept[f]) {
      w.put(kJsonKeys[f]);
      w.integer(v);
    }
  };
  if (kept[F::ClientAddr]) {
    w.put(kJsonKeys[F::ClientAddr]);
    // "[v6]:port" or "v4:port"; an address has nothing to escape
    bool v6 = e.client_ip.find(':') != std::string_view::npos;
    w.put(v6 ? "\"[" : "\"");
    w.put(e.client_ip);
    w.put(v6 ? "]:" : ":");
    w.integer(e.client_port);
    w.put('"');
  }
  str(F::ClientHost, clientHost(e));
  if (kept[F::ClientPort]) {
    w.put(kJsonKeys[F::ClientPort]);
    w.put('"');
    w.integer(e.client_port);
    w.put('"');
  }
  str(F::ClientUsername, "-");
  num(F::DownstreamContentSize, static_cast<std::int64_t>(e.response_bytes));
  num(F::DownstreamStatus, e.status);
  num(F::Duration, e.duration_ns);
  if (e.forwarded) {
    num(F::OriginContentSize, static_cast<std::int64_t>(e.response_bytes));
    num(F::OriginDuration, e.duration_ns);
    num(F::OriginStatus, e.status);
  }
  num(F::Overhead, e.forwarded ? 0 : e.duration_ns);
  if (!e.host.empty()) {
    std::string_view req_host, req_port;
    splitHostPort(e.host, req_host, req_port);
    str(F::RequestAddr, e.host);
    str(F::RequestHost, req_host.empty() ? e.host : req_host);
    str(F::RequestPort, req_port.empty() ? "-" : req_port);
  }
  num(F::RequestContentSize, static_cast<std::int64_t>(e.request_bytes));
  num(F::RequestCount, static_cast<std::int64_t>(e.request_count));
  str(F::RequestMethod, e.method);
  str(F::RequestPath, e.target);
  str(F::RequestProtocol, protocolText(e.version_minor));
  str(F::RequestScheme, e.tls ? "https" : "http");
  num(F::RetryAttempts, e.retries);
  if (!e.router.empty()) {
    str(F::RouterName, e.router);
  }
  if (!e.service.empty()) {
    str(F::ServiceName, e.service);
  }
  if (!e.service_url.empty()) {
    str(F::ServiceURL, e.service_url);
    str(F::ServiceAddr, e.service_addr);
  }
  if (kept[F::StartLocal] || kept[F::StartUTC]) {
    thread_local SecondText start_cache;
    char buf[64];
    std::string_view start = rfc3339Nano(buf, e.start, start_cache);
    str(F::StartLocal, start);
    str(F::StartUTC, start);
  }
  if (e.tls) {
    str(F::TLSCipher, e.tls_cipher);
    if (!e.tls_client_subject.empty()) {
      str(F::TLSClientSubject, e.tls_client_subject);
    }
    str(F::TLSVersion, e.tls_version);
  }
  if (!e.entry_point.empty()) {
    str(F::EntryPointName, e.entry_point);
  }
  if (with_headers) {
    for (const auto& f : e.request_headers->fields()) {
      FieldMode m = s.headerMode(f.name);
      if (m == FieldMode::Drop) {
        continue;
      }
      w.put(",\"request_");
      w.jsonChars(f.name);
      w.put("\":");
      w.jsonString(m == FieldMode::Redact ? std::string_view("REDACTED") : f.value);
    }
  }
  // Timestamps need no escaping.
  w.put(",\"level\":\"info\",\"msg\":\"\",\"time\":\"");
  thread_local SecondText logged_cache;
  char buf[64];
  w.put(rfc3339Nano(buf,
                    e.logged != std::chrono::system_clock::time_point{}
                        ? e.logged
                        : std::chrono::system_clock::now(),
                    logged_cache));
  w.put("\"}\n");
  w.replaceFirst('{');
}

}  // namespace pier::observability
