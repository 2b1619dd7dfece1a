// The JSON access-log line, with Traefik's field names and order.
//
// Why pieces: on a keep-alive connection the client fields, the route fields and the TLS and
// entry-point fields repeat from line to line; each is rendered once into the connection's
// JsonLineMemo and copied afterwards (access_log_memo.h). Keys are compile-time constants, so
// writing one is a fixed-size copy the compiler inlines.
//
// Why a writer over a pre-sized region instead of std::string appends: a line is about thirty
// fields of a few bytes each, and the per-append capacity check and out-of-line copy were most
// of a line's cost. The line's size has an upper bound known before writing (every value byte
// escapes to at most six), so the region is sized once and each piece is a plain copy.
#include <charconv>
#include <cstring>

#include "observability/access_log.h"
#include "observability/access_log_fields.h"
#include "observability/access_log_memo.h"
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
  // What was written since `mark` (a pointer taken with position()).
  char* position() const { return p_; }
  std::string_view since(const char* mark) const {
    return {mark, static_cast<std::size_t>(p_ - mark)};
  }

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

// `,"Name":` for every field, laid out at compile time: with a constant field, the key's size
// is a constant and its copy is inlined.
struct JsonKeys {
  static constexpr std::size_t kCount = static_cast<std::size_t>(LogField::Count);
  char bytes[kCount * 32] = {};
  std::uint16_t offset[kCount] = {};
  std::uint8_t size[kCount] = {};

  constexpr JsonKeys() {
    std::size_t at = 0;
    for (std::size_t i = 0; i < kCount; ++i) {
      std::string_view name = logFieldName(static_cast<LogField>(i));
      offset[i] = static_cast<std::uint16_t>(at);
      bytes[at++] = ',';
      bytes[at++] = '"';
      for (char c : name) {
        bytes[at++] = c;
      }
      bytes[at++] = '"';
      bytes[at++] = ':';
      size[i] = static_cast<std::uint8_t>(at - offset[i]);
    }
  }
  constexpr std::string_view operator[](LogField f) const {
    auto i = static_cast<std::size_t>(f);
    return {bytes + offset[i], size[i]};
  }
};
constexpr JsonKeys kJsonKeys;

// Field writers over one line: `text` escapes its value, `clean` copies a value that cannot
// need escaping (numbers' text, addresses, timestamps, constants). The field is a template
// argument so that its key is a constant-size copy.
class FieldWriter {
 public:
  FieldWriter(LineWriter& w, const KeptFields& kept) : w_(w), kept_(kept) {}
  template <LogField F>
  void text(std::string_view v) {
    if (kept_[F]) {
      w_.put(kJsonKeys[F]);
      w_.jsonString(v);
    }
  }
  template <LogField F>
  void clean(std::string_view v) {
    if (kept_[F]) {
      w_.put(kJsonKeys[F]);
      w_.put('"');
      w_.put(v);
      w_.put('"');
    }
  }
  template <LogField F>
  void number(std::int64_t v) {
    if (kept_[F]) {
      w_.put(kJsonKeys[F]);
      w_.integer(v);
    }
  }
  bool kept(LogField f) const { return kept_[f]; }
  LineWriter& line() { return w_; }

 private:
  LineWriter& w_;
  const KeptFields& kept_;
};

// ClientAddr .. ClientUsername.
void writeClientFields(FieldWriter& out, const AccessLogEntry& e) {
  using F = LogField;
  LineWriter& w = out.line();
  if (out.kept(F::ClientAddr)) {
    w.put(kJsonKeys[F::ClientAddr]);
    // "[v6]:port" or "v4:port"; an address has nothing to escape
    bool v6 = e.client_ip.find(':') != std::string_view::npos;
    w.put(v6 ? "\"[" : "\"");
    w.put(e.client_ip);
    w.put(v6 ? "]:" : ":");
    w.integer(e.client_port);
    w.put('"');
  }
  out.text<F::ClientHost>(clientHost(e));
  if (out.kept(F::ClientPort)) {
    w.put(kJsonKeys[F::ClientPort]);
    w.put('"');
    w.integer(e.client_port);
    w.put('"');
  }
  out.clean<F::ClientUsername>("-");
}

// RouterName .. ServiceAddr.
void writeRouteFields(FieldWriter& out, const AccessLogEntry& e) {
  using F = LogField;
  if (!e.router.empty()) {
    out.text<F::RouterName>(e.router);
  }
  if (!e.service.empty()) {
    out.text<F::ServiceName>(e.service);
  }
  if (!e.service_url.empty()) {
    out.text<F::ServiceURL>(e.service_url);
    out.text<F::ServiceAddr>(e.service_addr);
  }
}

// TLSCipher .. entryPointName.
void writeConnectionTail(FieldWriter& out, const AccessLogEntry& e) {
  using F = LogField;
  if (e.tls) {
    out.text<F::TLSCipher>(e.tls_cipher);
    if (!e.tls_client_subject.empty()) {
      out.text<F::TLSClientSubject>(e.tls_client_subject);
    }
    out.text<F::TLSVersion>(e.tls_version);
  }
  if (!e.entry_point.empty()) {
    out.text<F::EntryPointName>(e.entry_point);
  }
}

// Writes a piece through `memo` when it has one (copied while its inputs are unchanged).
template <std::size_t N, typename Render>
void writePiece(FieldWriter& out, MemoPiece<N>* memo, const typename MemoPiece<N>::Inputs& inputs,
                std::uint64_t number, Render render) {
  if (memo == nullptr) {
    render();
    return;
  }
  if (memo->matches(inputs, number)) {
    out.line().put(memo->text());
    return;
  }
  const char* mark = out.line().position();
  render();
  memo->store(inputs, number, out.line().since(mark));
}

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
  FieldWriter f(w, kept);
  JsonLineMemo* memo = e.memo;
  writePiece(f, memo != nullptr ? &memo->client : nullptr, {e.client_ip, e.forwarded_for},
             static_cast<std::uint64_t>(e.client_port), [&] { writeClientFields(f, e); });
  f.number<F::DownstreamContentSize>(static_cast<std::int64_t>(e.response_bytes));
  f.number<F::DownstreamStatus>(e.status);
  f.number<F::Duration>(e.duration_ns);
  if (e.forwarded) {
    f.number<F::OriginContentSize>(static_cast<std::int64_t>(e.response_bytes));
    f.number<F::OriginDuration>(e.duration_ns);
    f.number<F::OriginStatus>(e.status);
  }
  f.number<F::Overhead>(e.forwarded ? 0 : e.duration_ns);
  if (!e.host.empty()) {
    std::string_view req_host, req_port;
    splitHostPort(e.host, req_host, req_port);
    std::string_view host = req_host.empty() ? e.host : req_host;
    std::string_view port = req_port.empty() ? "-" : req_port;
    if (firstToEscape(e.host) == e.host.size()) {  // one scan: its parts are clean too
      f.clean<F::RequestAddr>(e.host);
      f.clean<F::RequestHost>(host);
      f.clean<F::RequestPort>(port);
    } else {
      f.text<F::RequestAddr>(e.host);
      f.text<F::RequestHost>(host);
      f.text<F::RequestPort>(port);
    }
  }
  f.number<F::RequestContentSize>(static_cast<std::int64_t>(e.request_bytes));
  f.number<F::RequestCount>(static_cast<std::int64_t>(e.request_count));
  f.text<F::RequestMethod>(e.method);
  f.text<F::RequestPath>(e.target);
  f.clean<F::RequestProtocol>(protocolText(e.version_minor));
  f.clean<F::RequestScheme>(e.tls ? "https" : "http");
  f.number<F::RetryAttempts>(e.retries);
  writePiece(f, memo != nullptr ? &memo->route : nullptr,
             {e.router, e.service, e.service_url, e.service_addr}, 0,
             [&] { writeRouteFields(f, e); });
  if (kept[F::StartLocal] || kept[F::StartUTC]) {
    thread_local SecondText start_cache;
    char buf[64];
    std::string_view start = rfc3339Nano(buf, e.start, start_cache);
    f.clean<F::StartLocal>(start);
    f.clean<F::StartUTC>(start);
  }
  writePiece(f, memo != nullptr ? &memo->tail : nullptr,
             {e.tls_version, e.tls_cipher, e.tls_client_subject, e.entry_point}, e.tls ? 1 : 0,
             [&] { writeConnectionTail(f, e); });
  if (with_headers) {
    for (const auto& field : e.request_headers->fields()) {
      FieldMode m = s.headerMode(field.name);
      if (m == FieldMode::Drop) {
        continue;
      }
      w.put(",\"request_");
      w.jsonChars(field.name);
      w.put("\":");
      w.jsonString(m == FieldMode::Redact ? std::string_view("REDACTED") : field.value);
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
