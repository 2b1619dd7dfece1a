#include "net/client_hello.h"

#include <cstdint>

namespace pier::net {
namespace {

constexpr std::uint8_t kHandshakeRecord = 0x16;
constexpr std::uint8_t kClientHello = 0x01;
constexpr std::size_t kRecordHeader = 5;
constexpr std::uint16_t kExtServerName = 0x0000;
constexpr std::uint16_t kExtAlpn = 0x0010;
constexpr std::uint16_t kExtSupportedVersions = 0x002b;

// Bounds-checked reader over one buffer; every read fails once past the end.
class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}
  bool u8(std::uint8_t& v) {
    if (s_.size() < 1) {
      return false;
    }
    v = static_cast<std::uint8_t>(s_[0]);
    s_.remove_prefix(1);
    return true;
  }
  bool u16(std::uint16_t& v) {
    if (s_.size() < 2) {
      return false;
    }
    v = static_cast<std::uint16_t>((static_cast<std::uint8_t>(s_[0]) << 8) |
                                   static_cast<std::uint8_t>(s_[1]));
    s_.remove_prefix(2);
    return true;
  }
  bool bytes(std::size_t n, std::string_view& out) {
    if (s_.size() < n) {
      return false;
    }
    out = s_.substr(0, n);
    s_.remove_prefix(n);
    return true;
  }
  bool skip(std::size_t n) {
    std::string_view ignored;
    return bytes(n, ignored);
  }
  // A vector prefixed by an 8- or 16-bit length.
  bool vec8(std::string_view& out) {
    std::uint8_t n = 0;
    return u8(n) && bytes(n, out);
  }
  bool vec16(std::string_view& out) {
    std::uint16_t n = 0;
    return u16(n) && bytes(n, out);
  }
  bool empty() const { return s_.empty(); }

 private:
  std::string_view s_;
};

std::string normalizeSni(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  if (!out.empty() && out.back() == '.') {
    out.pop_back();
  }
  return out;
}

bool parseServerName(std::string_view data, ClientHelloInfo& info) {
  Reader r(data);
  std::string_view list;
  if (!r.vec16(list)) {
    return false;
  }
  Reader names(list);
  while (!names.empty()) {
    std::uint8_t type = 0;
    std::string_view name;
    if (!names.u8(type) || !names.vec16(name)) {
      return false;
    }
    if (type == 0 && info.sni.empty()) {  // host_name; RFC 6066 allows one per type
      info.sni = normalizeSni(name);
    }
  }
  return true;
}

bool parseAlpn(std::string_view data, ClientHelloInfo& info) {
  Reader r(data);
  std::string_view list;
  if (!r.vec16(list)) {
    return false;
  }
  Reader protos(list);
  while (!protos.empty()) {
    std::string_view proto;
    if (!protos.vec8(proto) || proto.empty()) {
      return false;
    }
    info.alpn.emplace_back(proto);
  }
  return true;
}

bool parseSupportedVersions(std::string_view data, ClientHelloInfo& info) {
  Reader r(data);
  std::string_view list;
  if (!r.vec8(list) || list.size() % 2 != 0) {
    return false;
  }
  Reader versions(list);
  while (!versions.empty()) {
    std::uint16_t v = 0;
    versions.u16(v);
    info.offers_tls13 = info.offers_tls13 || v == 0x0304;
  }
  return true;
}

// `body` is the ClientHello handshake body (after the 4-byte handshake header).
bool parseClientHelloBody(std::string_view body, ClientHelloInfo& info) {
  Reader r(body);
  std::string_view ignored;
  if (!r.skip(2 + 32) || !r.vec8(ignored) || !r.vec16(ignored) || !r.vec8(ignored)) {
    return false;  // legacy_version, random, session_id, cipher_suites, compression_methods
  }
  if (r.empty()) {
    return true;  // no extensions (old clients): no SNI, no ALPN
  }
  std::string_view extensions;
  if (!r.vec16(extensions)) {
    return false;
  }
  Reader ext(extensions);
  while (!ext.empty()) {
    std::uint16_t type = 0;
    std::string_view data;
    if (!ext.u16(type) || !ext.vec16(data)) {
      return false;
    }
    bool ok = true;
    if (type == kExtServerName) {
      ok = parseServerName(data, info);
    } else if (type == kExtAlpn) {
      ok = parseAlpn(data, info);
    } else if (type == kExtSupportedVersions) {
      ok = parseSupportedVersions(data, info);
    }
    if (!ok) {
      return false;
    }
  }
  return true;
}

}  // namespace

HelloPeek peekClientHello(std::string_view bytes) {
  HelloPeek out;
  if (bytes.empty()) {
    return out;
  }
  if (static_cast<std::uint8_t>(bytes[0]) != kHandshakeRecord) {
    out.status = HelloStatus::NotTls;
    return out;
  }
  // The handshake message may be split across several records: gather the fragments.
  std::string handshake;
  std::size_t needed = 0;  // total handshake message size, once its header is known
  std::size_t at = 0;
  while (true) {
    if (bytes.size() - at < kRecordHeader) {
      return out;  // NeedMore
    }
    auto type = static_cast<std::uint8_t>(bytes[at]);
    auto major = static_cast<std::uint8_t>(bytes[at + 1]);
    std::size_t len =
        (static_cast<std::uint8_t>(bytes[at + 3]) << 8) | static_cast<std::uint8_t>(bytes[at + 4]);
    if (type != kHandshakeRecord || major != 3 || len == 0 || len > 16384 + 2048) {
      out.status = HelloStatus::Malformed;
      return out;
    }
    if (bytes.size() - at - kRecordHeader < len) {
      return out;  // NeedMore
    }
    handshake.append(bytes.substr(at + kRecordHeader, len));
    at += kRecordHeader + len;
    if (needed == 0 && handshake.size() >= 4) {
      if (static_cast<std::uint8_t>(handshake[0]) != kClientHello) {
        out.status = HelloStatus::Malformed;
        return out;
      }
      needed = 4 + ((static_cast<std::uint8_t>(handshake[1]) << 16) |
                    (static_cast<std::uint8_t>(handshake[2]) << 8) |
                    static_cast<std::uint8_t>(handshake[3]));
      if (needed > kMaxClientHelloBytes) {
        out.status = HelloStatus::Malformed;
        return out;
      }
    }
    if (needed != 0 && handshake.size() >= needed) {
      break;
    }
    if (at >= bytes.size()) {
      return out;  // NeedMore: the next record has not arrived
    }
  }
  if (!parseClientHelloBody(std::string_view(handshake).substr(4, needed - 4), out.info)) {
    out.info = ClientHelloInfo{};
    out.status = HelloStatus::Malformed;
    return out;
  }
  out.status = HelloStatus::Tls;
  return out;
}

}  // namespace pier::net
