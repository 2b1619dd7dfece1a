// The JSON access-log line, with Traefik's field names and order.
//
// The route fields are rendered once per route and worker and copied afterwards
// (access_log_memo.h). Keys are compile-time constants, so writing one is a fixed-size copy the
// compiler inlines.
//
// Why a writer over a pre-sized region instead of std::string appends: a line is about thirty
// fields of a few bytes each, and the per-append capacity check and out-of-line copy were most
// of a line's cost. The line's size has an upper bound known before writing (every value byte
// escapes to at most six), so the region is sized once and each piece is a plain copy.
#include <array>
#include <charconv>
#include <cstring>

#include "observability/access_log.h"
#include "observability/access_log_fields.h"
#include "observability/access_log_memo.h"
#include "observability/log_time.h"

namespace pier::observability {
namespace {

using detail::protocolText;
using detail::splitHostPort;

constexpr std::size_t kMaxEscapedPerByte = 6;  // \u00XX
constexpr std::size_t kMaxNumberBytes = 20;
// Keys, punctuation, numbers and the three timestamps of a line, with room to spare.
constexpr std::size_t kFixedBound = 1024;

// Bytes that JSON strings must escape: controls, quote and backslash. A table: one load and test
// per byte instead of three comparisons.
constexpr std::array<bool, 256> kNeedsEscape = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 0x20; ++c) {
    table[static_cast<std::size_t>(c)] = true;
  }
  table['"'] = true;
  table['\\'] = true;
  return table;
}();
constexpr bool needsEscape(unsigned char c) {
  return kNeedsEscape[c];
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

// The decimal text of `value` at `at` (room for a sign and 20 digits); returns its end. Most of a
// line's numbers are small (zero counts, status, sizes): they skip the general conversion.
char* writeDecimal(char* at, std::int64_t value) {
  if (value >= 0 && value < 10) {
    *at = static_cast<char>('0' + value);
    return at + 1;
  }
  if (value >= 10 && value < 1000) {
    auto v = static_cast<std::size_t>(value);
    if (v >= 100) {
      *at++ = static_cast<char>('0' + v / 100);
      v %= 100;
    }
    at[0] = kDigitPairs[2 * v];
    at[1] = kDigitPairs[2 * v + 1];
    return at + 2;
  }
  return std::to_chars(at, at + kMaxNumberBytes + 1, value).ptr;
}

// Writes a line into a region the caller sized with jsonBound().
class LineWriter {
 public:
  explicit LineWriter(char* at) : start_(at), p_(at) {}
  LineWriter(const LineWriter&) = delete;
  LineWriter& operator=(const LineWriter&) = delete;

  void put(std::string_view s) {
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }
  void put(char c) { *p_++ = c; }
  void integer(std::int64_t v) { p_ = writeDecimal(p_, v); }
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
  void replaceFirst(char c) { *start_ = c; }
  // What was written since `mark` (a pointer taken with position()).
  char* position() const { return p_; }
  // After writing in place from position() (at most what the bound allowed for).
  void advanceTo(char* end) { p_ = end; }
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

  char* start_;
  char* p_;
};

// `,"Name":` for every field, made at compile time. Its size is part of its type, so writing
// a key is a fixed-size copy the compiler inlines.
template <LogField F>
constexpr auto kJsonKey = [] {
  constexpr std::string_view name = logFieldName(F);
  std::array<char, name.size() + 4> key{};
  key[0] = ',';
  key[1] = '"';
  for (std::size_t i = 0; i < name.size(); ++i) {
    key[2 + i] = name[i];
  }
  key[name.size() + 2] = '"';
  key[name.size() + 3] = ':';
  return key;
}();

template <LogField F>
constexpr std::string_view jsonKey() {
  return {kJsonKey<F>.data(), kJsonKey<F>.size()};
}

// A number's decimal text, made once for the fields that repeat it (OriginStatus is
// DownstreamStatus, ClientPort is in ClientAddr, ...).
class NumberText {
 public:
  explicit NumberText(std::int64_t v) {
    len_ = static_cast<std::uint8_t>(writeDecimal(buf_, v) - buf_);
  }
  std::string_view view() const { return {buf_, len_}; }

 private:
  char buf_[24];  // 20 digits and a sign fit
  std::uint8_t len_;
};

// Field writers over one line: `text` escapes its value, `clean` copies a value that cannot
// need escaping (numbers' text, addresses, timestamps, constants). The field is a template
// argument so that its key is a constant-size copy.
class FieldWriter {
 public:
  FieldWriter(LineWriter& w, const KeptFields& kept) : w_(w), kept_(kept) {}
  template <LogField F>
  void text(std::string_view v) {
    field<F>([&] { w_.jsonString(v); });
  }
  template <LogField F>
  void clean(std::string_view v) {
    field<F>([&] {
      w_.put('"');
      w_.put(v);
      w_.put('"');
    });
  }
  template <LogField F>
  void number(std::int64_t v) {
    field<F>([&] { w_.integer(v); });
  }
  template <LogField F>
  void number(const NumberText& v) {
    field<F>([&] { w_.put(v.view()); });
  }
  bool kept(LogField f) const { return kept_[f]; }
  LineWriter& line() { return w_; }

 private:
  // A kept field: its key, then what `write_value` writes.
  template <LogField F, typename WriteValue>
  void field(WriteValue write_value) {
    if (kept_[F]) {
      w_.put(jsonKey<F>());
      write_value();
    }
  }

  LineWriter& w_;
  const KeptFields& kept_;
};

// ClientAddr .. ClientUsername.
void writeClientFields(FieldWriter& out, const AccessLogEntry& e) {
  using F = LogField;
  LineWriter& w = out.line();
  NumberText port(e.client_port);
  if (out.kept(F::ClientAddr)) {
    w.put(jsonKey<F::ClientAddr>());
    // "[v6]:port" or "v4:port"; an address has nothing to escape
    bool v6 = e.client_ip.find(':') != std::string_view::npos;
    w.put(v6 ? "\"[" : "\"");
    w.put(e.client_ip);
    w.put(v6 ? "]:" : ":");
    w.put(port.view());
    w.put('"');
  }
  if (e.forwarded_for.empty()) {
    out.clean<F::ClientHost>(e.client_ip);
  } else {
    out.text<F::ClientHost>(e.forwarded_for);  // a header's value: escaped
  }
  out.clean<F::ClientPort>(port.view());
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

// The route fields, copied from the worker's memo when it rendered them for the same values.
void writeRoutePiece(FieldWriter& out, const AccessLogEntry& e, JsonLineMemo* memo) {
  if (memo == nullptr) {
    writeRouteFields(out, e);
    return;
  }
  JsonLineMemo::RoutePiece::Inputs inputs = {e.router, e.service, e.service_url, e.service_addr};
  if (const JsonLineMemo::RoutePiece* piece = memo->findRoute(e.route_identity, inputs)) {
    out.line().put(piece->text());
    return;
  }
  const char* mark = out.line().position();
  writeRouteFields(out, e);
  memo->nextRoute().store(e.route_identity, inputs, out.line().since(mark));
}

bool printsHeaders(const AccessLogEntry& e, const AccessLogSettings& s) {
  return e.request_headers != nullptr &&
         (s.headers_default != FieldMode::Drop || !s.header_names.empty());
}

}  // namespace

// Every value byte escapes to at most six; keys, numbers and timestamps fit in kFixedBound.
std::size_t AccessLog::jsonBound(const AccessLogEntry& e, const AccessLogSettings& s) {
  std::size_t values = e.client_ip.size() + e.forwarded_for.size() + 3 * e.host.size() +
                       e.method.size() + e.target.size() + e.router.size() + e.service.size() +
                       e.service_url.size() + e.service_addr.size() + e.entry_point.size() +
                       e.tls_version.size() + e.tls_cipher.size() + e.tls_client_subject.size();
  std::size_t bound = kFixedBound + kMaxEscapedPerByte * values;
  if (printsHeaders(e, s)) {
    for (const auto& f : e.request_headers->fields()) {
      bound += 16 + kMaxEscapedPerByte * (f.name.size() + f.value.size());
    }
  }
  return bound;
}

void AccessLog::appendJson(std::string& out, const AccessLogEntry& e, const AccessLogSettings& s,
                           const KeptFields& kept, JsonLineMemo* memo) {
  std::size_t start = out.size();
  out.resize(start + jsonBound(e, s));
  char* end = writeJson(out.data() + start, e, s, kept, memo);
  out.resize(static_cast<std::size_t>(end - out.data()));
}

char* AccessLog::writeJson(char* at, const AccessLogEntry& e, const AccessLogSettings& s,
                           const KeptFields& kept, JsonLineMemo* memo) {
  using F = LogField;
  bool with_headers = printsHeaders(e, s);
  LineWriter w(at);
  FieldWriter f(w, kept);
  writeClientFields(f, e);
  NumberText size(static_cast<std::int64_t>(e.response_bytes));
  NumberText status(e.status);
  NumberText duration(e.duration_ns);
  f.number<F::DownstreamContentSize>(size);
  f.number<F::DownstreamStatus>(status);
  f.number<F::Duration>(duration);
  if (e.forwarded) {
    f.number<F::OriginContentSize>(size);
    f.number<F::OriginDuration>(duration);
    f.number<F::OriginStatus>(status);
    f.number<F::Overhead>(0);
  } else {
    f.number<F::Overhead>(duration);
  }
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
  writeRoutePiece(f, e, memo);
  if (kept[F::StartLocal] || kept[F::StartUTC]) {
    // Written in place once; the second field copies the first's text (they are equal).
    thread_local SecondText start_cache;
    char buf[64];
    std::string_view start;
    if (kept[F::StartLocal]) {
      w.put(jsonKey<F::StartLocal>());
      w.put('"');
      const char* mark = w.position();
      w.advanceTo(writeRfc3339Nano(w.position(), e.start, start_cache));
      start = w.since(mark);
      w.put('"');
    } else {
      start = rfc3339Nano(buf, e.start, start_cache);
    }
    f.clean<F::StartUTC>(start);
  }
  writeConnectionTail(f, e);
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
  w.advanceTo(writeRfc3339Nano(w.position(),
                               e.logged != std::chrono::system_clock::time_point{}
                                   ? e.logged
                                   : std::chrono::system_clock::now(),
                               logged_cache));
  w.put("\"}\n");
  w.replaceFirst('{');
  return w.position();
}

}  // namespace pier::observability
