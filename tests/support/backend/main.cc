// pier-test-backend: a blocking, thread-per-connection HTTP/1.1 + WebSocket echo server used by
// Pier's integration and e2e tests. Shares no code with src/. Every request is answered with a JSON
// description of what the backend saw; query parameters steer the answer (see usage()).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "sha.h"
#include "tls.h"

namespace testbackend {
namespace {

constexpr size_t kMaxHeadBytes = 8u << 20;  // request line + headers
constexpr size_t kMaxWsFrame = 64u << 20;   // WebSocket frame payload
constexpr size_t kBodyEcho = 4096;          // request body bytes echoed back as text
constexpr size_t kIoChunk = 64u << 10;      // read/write granularity
constexpr char kPattern[] = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ+/";
constexpr size_t kPatternLen = 64;

struct Options {
  std::string listen = "127.0.0.1:0";
  std::string name = "backend";
  std::optional<std::string> rawBanner;
  std::string tlsCert, tlsKey, tlsClientCa, tlsClientAuth;
};

Options gOpts;
std::unique_ptr<TlsServer> gTls;  // set when --tls-cert is given

constexpr int kHandshakeTimeoutMs = 10000;

void logLine(const std::string& s) {
  std::string line = s + "\n";
  (void)!::write(2, line.data(), line.size());
}

// ---------------------------------------------------------------------------------------------
// Buffered socket.

class Conn {
 public:
  explicit Conn(int fd) : fd_(fd), buf_(kIoChunk) {}
  ~Conn() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  int fd() const { return fd_; }
  size_t buffered() const { return end_ - pos_; }

  // After a successful TLS handshake all reads and writes go through the session.
  void useTls(TlsSession* tls) { tls_ = tls; }
  TlsSession* tls() const { return tls_; }

  // Half-close for writing: a TLS close_notify first when the connection carries TLS.
  void shutdownWrite() {
    if (tls_ != nullptr)
      tls_->closeNotify();
    ::shutdown(fd_, SHUT_WR);
  }

  // Reads more bytes into the buffer; false on EOF or error.
  bool fill() {
    if (pos_ == end_)
      pos_ = end_ = 0;
    if (end_ == buf_.size()) {
      if (pos_ > 0) {
        std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
        end_ -= pos_;
        pos_ = 0;
      } else {
        buf_.resize(buf_.size() * 2);
      }
    }
    if (tls_ != nullptr) {
      long n = tls_->read(buf_.data() + end_, buf_.size() - end_);
      if (n <= 0)
        return false;
      end_ += static_cast<size_t>(n);
      return true;
    }
    for (;;) {
      ssize_t n = ::recv(fd_, buf_.data() + end_, buf_.size() - end_, 0);
      if (n > 0) {
        end_ += static_cast<size_t>(n);
        return true;
      }
      if (n < 0 && errno == EINTR)
        continue;
      return false;
    }
  }

  // One line without its CRLF (a bare LF is accepted). nullopt on EOF or if longer than max.
  std::optional<std::string> readLine(size_t max) {
    size_t scanned = 0;
    for (;;) {
      const char* start = buf_.data() + pos_;
      const void* nl = std::memchr(start + scanned, '\n', end_ - pos_ - scanned);
      if (nl != nullptr) {
        size_t len = static_cast<size_t>(static_cast<const char*>(nl) - start);
        std::string line(start, len);
        pos_ += len + 1;
        if (!line.empty() && line.back() == '\r')
          line.pop_back();
        return line;
      }
      scanned = end_ - pos_;
      if (scanned > max)
        return std::nullopt;
      if (!fill())
        return std::nullopt;
    }
  }

  // Up to n bytes (at least one unless EOF/error, then 0).
  size_t readSome(char* dst, size_t n) {
    if (pos_ == end_ && !fill())
      return 0;
    size_t take = std::min(n, end_ - pos_);
    std::memcpy(dst, buf_.data() + pos_, take);
    pos_ += take;
    return take;
  }

  bool readExact(char* dst, size_t n) {
    while (n > 0) {
      size_t got = readSome(dst, n);
      if (got == 0)
        return false;
      dst += got;
      n -= got;
    }
    return true;
  }

  bool writeAll(const char* p, size_t n) {
    if (tls_ != nullptr)
      return tls_->writeAll(p, n);
    while (n > 0) {
      ssize_t w = ::send(fd_, p, n, MSG_NOSIGNAL);
      if (w < 0) {
        if (errno == EINTR)
          continue;
        return false;
      }
      p += w;
      n -= static_cast<size_t>(w);
    }
    return true;
  }
  bool writeAll(std::string_view s) { return writeAll(s.data(), s.size()); }

 private:
  int fd_;
  TlsSession* tls_ = nullptr;
  std::vector<char> buf_;
  size_t pos_ = 0;
  size_t end_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Small helpers.

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

bool containsToken(std::string_view list, std::string_view token) {
  std::string l = lower(list);
  std::string t = lower(token);
  size_t start = 0;
  while (start <= l.size()) {
    size_t comma = l.find(',', start);
    if (comma == std::string::npos)
      comma = l.size();
    if (trim(std::string_view(l).substr(start, comma - start)) == t)
      return true;
    start = comma + 1;
  }
  return false;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

std::string percentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hexValue(s[i + 1]) >= 0 && hexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hexValue(s[i + 1]) * 16 + hexValue(s[i + 2])));
      i += 2;
    } else if (s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// JSON string; bytes >= 0x80 are emitted as \u00XX (i.e. the text is read as Latin-1), so the
// output is always valid JSON and the exact bytes can be recovered with .encode('latin-1').
std::string jsonString(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c < 0x20 || c >= 0x7f) {
      out += "\\u00";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  out += "\"";
  return out;
}

const char* reasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 413:
      return "Payload Too Large";
    case 418:
      return "I'm a teapot";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Status";
  }
}

void sleepMs(long ms) {
  if (ms > 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

long toLong(const std::string& s, long fallback) {
  char* end = nullptr;
  errno = 0;
  long v = std::strtol(s.c_str(), &end, 10);
  if (errno != 0 || end == s.c_str())
    return fallback;
  return v;
}

unsigned long long toULL(const std::string& s, unsigned long long fallback) {
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(s.c_str(), &end, 10);
  if (errno != 0 || end == s.c_str())
    return fallback;
  return v;
}

std::string peerName(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0)
    return "?";
  char ip[INET6_ADDRSTRLEN] = {0};
  if (ss.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    ::inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
    return std::string(ip) + ":" + std::to_string(ntohs(a->sin_port));
  }
  const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
  ::inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
  return "[" + std::string(ip) + "]:" + std::to_string(ntohs(a->sin6_port));
}

// ---------------------------------------------------------------------------------------------
// Request model.

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method, target, path, query, version;
  Headers headers;
  std::vector<std::pair<std::string, std::string>> params;  // decoded query parameters

  std::optional<std::string> header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (lower(k) == lower(name))
        return v;
    }
    return std::nullopt;
  }
  std::string headerJoined(std::string_view name) const {
    std::string out;
    for (const auto& [k, v] : headers) {
      if (lower(k) == lower(name))
        out += (out.empty() ? "" : ", ") + v;
    }
    return out;
  }
  std::optional<std::string> param(std::string_view name) const {
    for (const auto& [k, v] : params) {
      if (k == name)
        return v;
    }
    return std::nullopt;
  }
  long paramLong(std::string_view name, long fallback) const {
    auto v = param(name);
    return v ? toLong(*v, fallback) : fallback;
  }
};

struct Body {
  uint64_t bytes = 0;
  std::string head;  // first kBodyEcho bytes
  std::string sha256;
  bool ok = true;
};

void parseQuery(Request& r) {
  size_t start = 0;
  const std::string& q = r.query;
  while (start < q.size()) {
    size_t amp = q.find('&', start);
    if (amp == std::string::npos)
      amp = q.size();
    std::string_view item(q.data() + start, amp - start);
    if (!item.empty()) {
      size_t eq = item.find('=');
      if (eq == std::string_view::npos) {
        r.params.emplace_back(percentDecode(item), "");
      } else {
        r.params.emplace_back(percentDecode(item.substr(0, eq)),
                              percentDecode(item.substr(eq + 1)));
      }
    }
    start = amp + 1;
  }
}

enum class HeadResult { kOk, kEof, kBad };

HeadResult readHead(Conn& c, Request& r) {
  std::optional<std::string> line;
  // Tolerate empty lines before a request line (RFC 9112 2.2).
  do {
    line = c.readLine(kMaxHeadBytes);
    if (!line)
      return HeadResult::kEof;
  } while (line->empty());
  size_t sp1 = line->find(' ');
  size_t sp2 = line->rfind(' ');
  if (sp1 == std::string::npos || sp2 == sp1)
    return HeadResult::kBad;
  r.method = line->substr(0, sp1);
  r.target = line->substr(sp1 + 1, sp2 - sp1 - 1);
  r.version = line->substr(sp2 + 1);
  if (r.version.rfind("HTTP/", 0) != 0)
    return HeadResult::kBad;
  size_t qm = r.target.find('?');
  r.path = r.target.substr(0, qm);
  r.query = qm == std::string::npos ? "" : r.target.substr(qm + 1);
  parseQuery(r);
  size_t total = line->size();
  for (;;) {
    auto h = c.readLine(kMaxHeadBytes);
    if (!h)
      return HeadResult::kBad;
    if (h->empty())
      break;
    total += h->size();
    if (total > kMaxHeadBytes)
      return HeadResult::kBad;
    size_t colon = h->find(':');
    if (colon == std::string::npos || colon == 0)
      return HeadResult::kBad;
    r.headers.emplace_back(h->substr(0, colon),
                           std::string(trim(std::string_view(*h).substr(colon + 1))));
  }
  return HeadResult::kOk;
}

class BodySink {
 public:
  void feed(const char* p, size_t n) {
    bytes_ += n;
    sha_.update(p, n);
    if (head_.size() < kBodyEcho)
      head_.append(p, std::min(n, kBodyEcho - head_.size()));
  }
  Body done(bool ok) {
    Body b;
    b.bytes = bytes_;
    b.head = std::move(head_);
    b.sha256 = sha_.hexDigest();
    b.ok = ok;
    return b;
  }

 private:
  uint64_t bytes_ = 0;
  std::string head_;
  Sha256 sha_;
};

Body readBody(Conn& c, const Request& r) {
  BodySink sink;
  std::vector<char> chunk(kIoChunk);
  auto te = r.header("Transfer-Encoding");
  if (te && containsToken(*te, "chunked")) {
    for (;;) {
      auto sizeLine = c.readLine(4096);
      if (!sizeLine)
        return sink.done(false);
      std::string hex = sizeLine->substr(0, sizeLine->find(';'));
      hex = std::string(trim(hex));
      if (hex.empty())
        return sink.done(false);
      uint64_t size = 0;
      for (char ch : hex) {
        int v = hexValue(ch);
        if (v < 0 || size > (uint64_t{1} << 56))
          return sink.done(false);
        size = size * 16 + static_cast<uint64_t>(v);
      }
      if (size == 0) {
        for (;;) {  // trailers
          auto t = c.readLine(kMaxHeadBytes);
          if (!t)
            return sink.done(false);
          if (t->empty())
            return sink.done(true);
        }
      }
      while (size > 0) {
        size_t got = c.readSome(chunk.data(), std::min<uint64_t>(size, chunk.size()));
        if (got == 0)
          return sink.done(false);
        sink.feed(chunk.data(), got);
        size -= got;
      }
      auto crlf = c.readLine(2);
      if (!crlf || !crlf->empty())
        return sink.done(false);
    }
  }
  auto cl = r.header("Content-Length");
  if (cl) {
    uint64_t remaining = toULL(*cl, 0);
    while (remaining > 0) {
      size_t got = c.readSome(chunk.data(), std::min<uint64_t>(remaining, chunk.size()));
      if (got == 0)
        return sink.done(false);
      sink.feed(chunk.data(), got);
      remaining -= got;
    }
  }
  return sink.done(true);
}

std::string headersJson(const Headers& headers) {
  std::string out = "[";
  for (size_t i = 0; i < headers.size(); ++i) {
    if (i > 0)
      out += ",";
    out += "[" + jsonString(headers[i].first) + "," + jsonString(headers[i].second) + "]";
  }
  return out + "]";
}

std::string describe(const Request& r, const Body* body, const std::string& remote,
                     const TlsSession* tls) {
  std::string j = "{\"name\":" + jsonString(gOpts.name);
  j += ",\"method\":" + jsonString(r.method);
  j += ",\"target\":" + jsonString(r.target);
  j += ",\"path\":" + jsonString(r.path);
  j += ",\"query\":" + jsonString(r.query);
  j += ",\"version\":" + jsonString(r.version);
  j += ",\"headers\":" + headersJson(r.headers);
  if (body != nullptr) {
    j += ",\"body_bytes\":" + std::to_string(body->bytes);
    j += ",\"body_sha256\":" + jsonString(body->sha256);
    j += ",\"body\":" + jsonString(body->head);
    j += std::string(",\"body_complete\":") + (body->ok ? "true" : "false");
  }
  j += ",\"remote\":" + jsonString(remote);
  if (tls != nullptr) {
    j += ",\"tls\":{\"version\":" + jsonString(tls->version()) +
         ",\"client_cn\":" + jsonString(tls->clientCommonName()) + "}";
  }
  j += "}\n";
  return j;
}

// ---------------------------------------------------------------------------------------------
// Response writing.

class BodyWriter {
 public:
  BodyWriter(Conn& c, bool chunked, long pauseMs, size_t chunkSize)
      : c_(c), chunked_(chunked), pauseMs_(pauseMs), chunkSize_(std::max<size_t>(chunkSize, 1)) {}

  bool write(const char* p, size_t n) {
    while (n > 0) {
      size_t take = std::min(n, chunkSize_);
      if (wrote_ && pauseMs_ > 0)
        sleepMs(pauseMs_);
      if (chunked_) {
        char hdr[32];
        int len = std::snprintf(hdr, sizeof(hdr), "%zx\r\n", take);
        if (!c_.writeAll(hdr, static_cast<size_t>(len)))
          return false;
      }
      if (!c_.writeAll(p, take))
        return false;
      if (chunked_ && !c_.writeAll("\r\n", 2))
        return false;
      wrote_ = true;
      p += take;
      n -= take;
    }
    return true;
  }
  bool finish() { return !chunked_ || c_.writeAll("0\r\n\r\n", 5); }

 private:
  Conn& c_;
  bool chunked_;
  long pauseMs_;
  size_t chunkSize_;
  bool wrote_ = false;
};

void hardReset(int fd) {
  linger lg{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
}

// ---------------------------------------------------------------------------------------------
// WebSocket.

bool wsWriteFrame(Conn& c, uint8_t firstByte, const std::string& payload) {
  std::string hdr;
  hdr.push_back(static_cast<char>(firstByte));
  size_t n = payload.size();
  if (n < 126) {
    hdr.push_back(static_cast<char>(n));
  } else if (n <= 0xffff) {
    hdr.push_back(static_cast<char>(126));
    hdr.push_back(static_cast<char>(n >> 8));
    hdr.push_back(static_cast<char>(n & 0xff));
  } else {
    hdr.push_back(static_cast<char>(127));
    for (int i = 7; i >= 0; --i)
      hdr.push_back(static_cast<char>((uint64_t{n} >> (8 * i)) & 0xff));
  }
  return c.writeAll(hdr) && c.writeAll(payload);
}

void serveWebSocket(Conn& c, const Request& r, const std::string& remote) {
  std::string key = *r.header("Sec-WebSocket-Key");
  auto digest = sha1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
  std::string resp =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: " +
      base64(digest.data(), digest.size()) + "\r\nX-Backend-Name: " + gOpts.name + "\r\n";
  if (auto proto = r.header("Sec-WebSocket-Protocol")) {
    std::string first = std::string(trim(proto->substr(0, proto->find(','))));
    resp += "Sec-WebSocket-Protocol: " + first + "\r\n";
  }
  resp += "\r\n";
  if (!c.writeAll(resp))
    return;
  logLine("WS-OPEN " + gOpts.name + " " + r.target);
  if (r.param("hello") == std::optional<std::string>("1")) {
    if (!wsWriteFrame(c, 0x81, describe(r, nullptr, remote, c.tls())))
      return;
  }
  for (;;) {
    unsigned char h[2];
    if (!c.readExact(reinterpret_cast<char*>(h), 2))
      break;
    uint8_t opcode = h[0] & 0x0f;
    bool masked = (h[1] & 0x80) != 0;
    uint64_t len = h[1] & 0x7f;
    if (len == 126) {
      unsigned char e[2];
      if (!c.readExact(reinterpret_cast<char*>(e), 2))
        break;
      len = (uint64_t{e[0]} << 8) | e[1];
    } else if (len == 127) {
      unsigned char e[8];
      if (!c.readExact(reinterpret_cast<char*>(e), 8))
        break;
      len = 0;
      for (unsigned char b : e)
        len = (len << 8) | b;
    }
    if (len > kMaxWsFrame) {
      wsWriteFrame(c, 0x88, std::string("\x03\xf1", 2));  // 1009 message too big
      break;
    }
    unsigned char mask[4] = {0, 0, 0, 0};
    if (masked && !c.readExact(reinterpret_cast<char*>(mask), 4))
      break;
    std::string payload(len, '\0');
    if (len > 0 && !c.readExact(payload.data(), len))
      break;
    if (masked) {
      for (size_t i = 0; i < payload.size(); ++i)
        payload[i] = static_cast<char>(payload[i] ^ mask[i & 3]);
    }
    if (opcode == 0x8) {  // close: echo the status code back, then close
      wsWriteFrame(c, 0x88, payload.substr(0, std::min<size_t>(payload.size(), 2)));
      logLine("WS-CLOSE " + gOpts.name);
      c.shutdownWrite();
      return;
    }
    if (opcode == 0x9) {
      if (!wsWriteFrame(c, 0x8a, payload))
        break;
      continue;
    }
    if (opcode == 0xa)
      continue;
    // Data or continuation frame: echo with the same FIN bit and opcode (keeps fragmentation).
    if (!wsWriteFrame(c, h[0] & 0x8f, payload))
      break;
  }
  logLine("WS-END " + gOpts.name);
}

// ---------------------------------------------------------------------------------------------
// HTTP exchange. Returns true when the connection may carry another request.

bool serveOne(Conn& c, const std::string& remote) {
  Request r;
  HeadResult hr = readHead(c, r);
  if (hr == HeadResult::kEof)
    return false;
  if (hr == HeadResult::kBad) {
    c.writeAll("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    return false;
  }
  logLine("REQ " + gOpts.name + " " + r.method + " " + r.target + " from " + remote);

  auto upgrade = r.header("Upgrade");
  if (upgrade && containsToken(*upgrade, "websocket") && r.header("Sec-WebSocket-Key")) {
    serveWebSocket(c, r, remote);
    return false;
  }

  bool hasBody =
      r.header("Content-Length").has_value() || r.header("Transfer-Encoding").has_value();
  auto expect = r.header("Expect");
  if (expect && lower(*expect) == "100-continue" && hasBody) {
    if (!c.writeAll("HTTP/1.1 100 Continue\r\n\r\n"))
      return false;
  }
  Body body = readBody(c, r);
  if (!body.ok) {
    logLine("BODY-ERROR " + gOpts.name + " after " + std::to_string(body.bytes) + " bytes");
    return false;
  }

  auto reset = r.param("reset");
  if (reset) {
    if (*reset == "rst")
      hardReset(c.fd());
    logLine("RESET " + gOpts.name);
    return false;
  }

  sleepMs(r.paramLong("delay_ms", 0));

  int status = static_cast<int>(r.paramLong("status", 200));
  bool head = r.method == "HEAD";
  bool noBody = status < 200 || status == 204 || status == 304;
  bool chunked = r.param("chunked") == std::optional<std::string>("1");
  long sse = r.paramLong("sse", 0);
  bool close = r.param("close") == std::optional<std::string>("1");
  auto connHdr = r.headerJoined("Connection");
  if (r.version == "HTTP/1.0") {
    if (!containsToken(connHdr, "keep-alive"))
      close = true;
  } else if (containsToken(connHdr, "close")) {
    close = true;
  }
  if (r.version == "HTTP/1.0")
    chunked = false;
  auto sizeParam = r.param("size");
  std::string json = describe(r, &body, remote, c.tls());

  std::string contentType = "application/json";
  uint64_t length = json.size();
  if (sizeParam) {
    contentType = "application/octet-stream";
    length = toULL(*sizeParam, 0);
  }
  if (sse > 0) {
    contentType = "text/event-stream";
    chunked = r.version != "HTTP/1.0";
  }
  if (auto ct = r.param("content_type"))
    contentType = *ct;

  std::string h = "HTTP/1.1 " + std::to_string(status) + " " + reasonPhrase(status) + "\r\n";
  if (!contentType.empty())
    h += "Content-Type: " + contentType + "\r\n";
  h += "X-Backend-Name: " + gOpts.name + "\r\n";
  if (!noBody) {
    if (chunked) {
      h += "Transfer-Encoding: chunked\r\n";
    } else if (sse == 0) {
      h += "Content-Length: " + std::to_string(length) + "\r\n";
    } else {
      close = true;  // HTTP/1.0 event stream: delimited by close
    }
  }
  for (const auto& [k, v] : r.params) {
    if (k == "header") {
      size_t colon = v.find(':');
      if (colon != std::string::npos) {
        h += v.substr(0, colon) + ": " + std::string(trim(std::string_view(v).substr(colon + 1))) +
             "\r\n";
      }
    }
  }
  if (close) {
    h += "Connection: close\r\n";
  } else if (r.version == "HTTP/1.0") {
    h += "Connection: keep-alive\r\n";
  }
  h += "\r\n";
  if (!c.writeAll(h))
    return false;

  if (!head && !noBody) {
    BodyWriter w(c, chunked, r.paramLong("slow_body_ms", 0),
                 static_cast<size_t>(r.paramLong("chunk_size", static_cast<long>(kIoChunk))));
    if (sse > 0) {
      for (long i = 0; i < sse; ++i) {
        if (i > 0)
          sleepMs(100);
        std::string ev = "id: " + std::to_string(i) +
                         "\ndata: {\"name\":" + jsonString(gOpts.name) +
                         ",\"n\":" + std::to_string(i) + "}\n\n";
        if (!w.write(ev.data(), ev.size()))
          return false;
      }
    } else if (sizeParam) {
      // Pattern: byte i of the body is kPattern[i % 64]; the buffer holds kIoChunk + 64 bytes so
      // any window of up to kIoChunk bytes starting at offset % 64 can be sliced out of it.
      static const std::string kBuf = [] {
        std::string b;
        while (b.size() < kIoChunk + kPatternLen)
          b.append(kPattern, kPatternLen);
        return b;
      }();
      uint64_t off = 0;
      size_t piece =
          std::min<size_t>(kIoChunk, static_cast<size_t>(r.paramLong("chunk_size", kIoChunk)));
      if (piece == 0)
        piece = kIoChunk;
      while (off < length) {
        size_t take = static_cast<size_t>(std::min<uint64_t>(piece, length - off));
        if (!w.write(kBuf.data() + off % kPatternLen, take))
          return false;
        off += take;
      }
    } else {
      if (!w.write(json.data(), json.size()))
        return false;
    }
    if (!w.finish())
      return false;
  }
  return !close;
}

void serveConnection(int fd) {
  Conn c(fd);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  std::string remote = peerName(fd);
  std::unique_ptr<TlsSession> tls;
  if (gTls) {
    std::string error;
    tls = gTls->handshake(fd, kHandshakeTimeoutMs, error);
    if (!tls) {
      logLine("TLS-REFUSED " + gOpts.name + " from " + remote + ": " + error);
      return;
    }
    logLine("TLS " + gOpts.name + " " + tls->version() + " client_cn=" + tls->clientCommonName() +
            " from " + remote);
    c.useTls(tls.get());
  }
  if (gOpts.rawBanner) {
    logLine("RAW-OPEN " + gOpts.name + " from " + remote);
    if (!c.writeAll(*gOpts.rawBanner))
      return;
    char buf[16384];
    for (;;) {
      size_t n = c.readSome(buf, sizeof(buf));
      if (n == 0)
        break;
      if (!c.writeAll(buf, n))
        break;
    }
    c.shutdownWrite();
    logLine("RAW-END " + gOpts.name);
    return;
  }
  while (serveOne(c, remote)) {
  }
  c.shutdownWrite();
  // Drain briefly so the peer reads our last bytes instead of an RST.
  char sink[4096];
  timeval tv{0, 200000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (std::chrono::steady_clock::now() < deadline && ::recv(fd, sink, sizeof(sink), 0) > 0) {
  }
}

// ---------------------------------------------------------------------------------------------
// Start-up.

std::string unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      char n = s[++i];
      if (n == 'n') {
        out.push_back('\n');
      } else if (n == 'r') {
        out.push_back('\r');
      } else if (n == 't') {
        out.push_back('\t');
      } else {
        out.push_back(n);
      }
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

void usage() {
  std::fputs(
      "usage: pier-test-backend [--listen HOST:PORT] [--name NAME] [--raw-banner TEXT]\n"
      "                         [--tls-cert FILE --tls-key FILE [--tls-client-ca FILE]\n"
      "                          [--tls-client-auth MODE]]\n"
      "  --listen      127.0.0.1:0 (default), :8080 (all IPv4 interfaces), [::1]:0\n"
      "  --name        included in every answer (tells replicas apart)\n"
      "  --raw-banner  server-first TCP mode: write TEXT (\\r \\n \\t escapes) on accept, then "
      "echo\n"
      "  --tls-cert FILE --tls-key FILE  serve TLS 1.3 (PEM chain and key)\n"
      "  --tls-client-ca FILE            CA(s) for client certificates\n"
      "  --tls-client-auth none|optional|require-any|require  (default: require with a client "
      "CA, else none)\n"
      "  With TLS every JSON answer carries \"tls\":{\"version\",\"client_cn\"}.\n"
      "Prints 'LISTENING <port>' on stdout once ready.\n"
      "Query controls: status=N delay_ms=N size=N chunked=1 close=1 header=Name:Value sse=N\n"
      "  reset=1|rst slow_body_ms=N chunk_size=N content_type=T (empty: none); WebSocket: "
      "hello=1\n",
      stderr);
}

bool parseArgs(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    std::string value;
    size_t eq = a.find('=');
    std::string key = a.substr(0, eq);
    auto next = [&](std::string& out) {
      if (eq != std::string::npos) {
        out = a.substr(eq + 1);
        return true;
      }
      if (i + 1 >= argc)
        return false;
      out = argv[++i];
      return true;
    };
    if (key == "--listen") {
      if (!next(gOpts.listen))
        return false;
    } else if (key == "--name") {
      if (!next(gOpts.name))
        return false;
    } else if (key == "--raw-banner") {
      if (!next(value))
        return false;
      gOpts.rawBanner = unescape(value);
    } else if (key == "--tls-cert") {
      if (!next(gOpts.tlsCert))
        return false;
    } else if (key == "--tls-key") {
      if (!next(gOpts.tlsKey))
        return false;
    } else if (key == "--tls-client-ca") {
      if (!next(gOpts.tlsClientCa))
        return false;
    } else if (key == "--tls-client-auth") {
      if (!next(gOpts.tlsClientAuth) || !parseClientAuth(gOpts.tlsClientAuth))
        return false;
    } else {
      return false;
    }
  }
  return true;
}

int openListener(const std::string& spec) {
  size_t colon = spec.rfind(':');
  if (colon == std::string::npos)
    return -1;
  std::string host = spec.substr(0, colon);
  int port = static_cast<int>(toLong(spec.substr(colon + 1), -1));
  if (port < 0 || port > 65535)
    return -1;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host.empty())
    host = "0.0.0.0";
  sockaddr_storage ss{};
  socklen_t len = 0;
  int family = AF_INET;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    len = sizeof(sockaddr_in);
  } else if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    family = AF_INET6;
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    len = sizeof(sockaddr_in6);
  } else {
    return -1;
  }
  int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(fd, 1024) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

int boundPort(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  if (ss.ss_family == AF_INET)
    return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
}

}  // namespace
}  // namespace testbackend

int main(int argc, char** argv) {
  using namespace testbackend;
  if (!parseArgs(argc, argv)) {
    usage();
    return 2;
  }
  ::signal(SIGPIPE, SIG_IGN);
  if (!gOpts.tlsCert.empty() || !gOpts.tlsKey.empty()) {
    if (gOpts.tlsCert.empty() || gOpts.tlsKey.empty()) {
      std::fputs("pier-test-backend: --tls-cert and --tls-key go together\n", stderr);
      return 2;
    }
    TlsConfig cfg{gOpts.tlsCert, gOpts.tlsKey, gOpts.tlsClientCa, ClientAuth::kNone};
    if (!gOpts.tlsClientAuth.empty()) {
      cfg.clientAuth = *parseClientAuth(gOpts.tlsClientAuth);
    } else if (!gOpts.tlsClientCa.empty()) {
      cfg.clientAuth = ClientAuth::kRequire;
    }
    std::string error;
    gTls = TlsServer::create(cfg, error);
    if (!gTls) {
      std::fprintf(stderr, "pier-test-backend: %s\n", error.c_str());
      return 1;
    }
  } else if (!gOpts.tlsClientCa.empty() || !gOpts.tlsClientAuth.empty()) {
    std::fputs("pier-test-backend: --tls-client-* need --tls-cert and --tls-key\n", stderr);
    return 2;
  }
  int lfd = openListener(gOpts.listen);
  if (lfd < 0) {
    std::fprintf(stderr, "pier-test-backend: cannot listen on %s: %s\n", gOpts.listen.c_str(),
                 std::strerror(errno));
    return 1;
  }
  std::printf("LISTENING %d\n", boundPort(lfd));
  std::fflush(stdout);
  for (;;) {
    int fd = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE) {
        if (errno == EMFILE || errno == ENFILE)
          sleepMs(10);
        continue;
      }
      std::fprintf(stderr, "pier-test-backend: accept: %s\n", std::strerror(errno));
      return 1;
    }
    std::thread(serveConnection, fd).detach();
  }
}
