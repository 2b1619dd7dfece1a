#include "net/client_hello.h"

#include <doctest/doctest.h>

#include <string>

namespace pier::net {
namespace {

// A ClientHello as Python's ssl module (OpenSSL 3) sent it: SNI "API.Example.com", ALPN h2 and
// http/1.1, TLS 1.3 offered.
std::string capturedHello() {
  const char* hex =
      "1603010200010001fc0303bfcff86561988442febcb324a5109c237bc5f5c1dd19c1fda35332d60918283420b70c"
      "814d7eed9f590b3a9fbaf47e265546cfdcb90ffe34495aa803ccb8a8bc7f0024130213031301c02cc030c02bc02f"
      "cca9cca8c024c028c023c027009f009e006b006700ff0100018f00000014001200000f4150492e4578616d706c65"
      "2e636f6d000b000403000102000a00160014001d0017001e0019001801000101010201030104002300000010000e"
      "000c02683208687474702f312e310016000000170000000d002a0028040305030603080708080809080a080b0804"
      "08050806040105010601030303010302040205020602002b00050403040303002d00020101003300260024001d00"
      "2022723341bfd2c439e78844be47e4e619caf71c7b27210e302cfbeeb1c60c7d3c001500cc000000000000000000"
      "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
      "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
      "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
      "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
      "0000000000000000000000";
  std::string out;
  for (std::size_t i = 0; hex[i] != 0 && hex[i + 1] != 0; i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex + i, 2), nullptr, 16)));
  }
  return out;
}

std::string u16(std::size_t v) {
  return {static_cast<char>((v >> 8) & 0xff), static_cast<char>(v & 0xff)};
}

// Builds a minimal ClientHello with the given extensions block, split into records of at most
// record_size bytes.
std::string makeHello(const std::string& extensions, std::size_t record_size = 16384) {
  std::string body;
  body += std::string("\x03\x03", 2);
  body += std::string(32, 'r');
  body += std::string("\x00", 1);               // session id
  body += u16(2) + std::string("\x13\x01", 2);  // one cipher suite
  body += std::string("\x01\x00", 2);           // null compression
  body += u16(extensions.size()) + extensions;
  std::string hs = std::string("\x01", 1) + static_cast<char>(0) + u16(body.size()) + body;
  std::string out;
  for (std::size_t at = 0; at < hs.size(); at += record_size) {
    std::string frag = hs.substr(at, record_size);
    out += std::string("\x16\x03\x01", 3) + u16(frag.size()) + frag;
  }
  return out;
}

std::string sniExt(const std::string& name) {
  std::string entry = std::string("\x00", 1) + u16(name.size()) + name;
  std::string data = u16(entry.size()) + entry;
  return u16(0) + u16(data.size()) + data;
}

TEST_CASE("a real ClientHello gives SNI lower-cased, ALPN in order and TLS 1.3") {
  HelloPeek p = peekClientHello(capturedHello());
  REQUIRE(p.status == HelloStatus::Tls);
  CHECK(p.info.sni == "api.example.com");
  REQUIRE(p.info.alpn.size() == 2);
  CHECK(p.info.alpn[0] == "h2");
  CHECK(p.info.alpn[1] == "http/1.1");
  CHECK(p.info.offers_tls13);
}

TEST_CASE("every strict prefix of a ClientHello asks for more bytes") {
  std::string hello = capturedHello();
  for (std::size_t n = 1; n < hello.size(); ++n) {
    HelloPeek p = peekClientHello(std::string_view(hello).substr(0, n));
    REQUIRE_MESSAGE(p.status == HelloStatus::NeedMore, "prefix of " << n << " bytes");
  }
}

TEST_CASE("a ClientHello split over several records is reassembled") {
  std::string hello = makeHello(sniExt("db.example.com."), 7);
  HelloPeek p = peekClientHello(hello);
  REQUIRE(p.status == HelloStatus::Tls);
  CHECK(p.info.sni == "db.example.com");  // trailing dot removed
  CHECK(peekClientHello(hello.substr(0, hello.size() - 1)).status == HelloStatus::NeedMore);
}

TEST_CASE("no extensions: TLS without SNI") {
  HelloPeek p = peekClientHello(makeHello(""));
  REQUIRE(p.status == HelloStatus::Tls);
  CHECK(p.info.sni.empty());
  CHECK(p.info.alpn.empty());
  CHECK_FALSE(p.info.offers_tls13);
}

TEST_CASE("plain text is not TLS") {
  CHECK(peekClientHello("GET / HTTP/1.1\r\n").status == HelloStatus::NotTls);
  CHECK(peekClientHello(std::string("\x00\x00\x00\x08\x04\xd2\x16\x2f", 8)).status ==
        HelloStatus::NotTls);
  CHECK(peekClientHello("").status == HelloStatus::NeedMore);
}

TEST_CASE("malformed handshakes are refused, not waited for") {
  // Not a ClientHello (ServerHello type).
  std::string server_hello = makeHello("");
  server_hello[5] = 0x02;
  CHECK(peekClientHello(server_hello).status == HelloStatus::Malformed);
  // An extension longer than its block.
  std::string bad_ext = u16(0) + u16(200) + "x";
  CHECK(peekClientHello(makeHello(bad_ext)).status == HelloStatus::Malformed);
  // A record of another content type after the first handshake fragment.
  std::string split = makeHello(sniExt("a.b"), 10);
  split[15] = 0x17;
  CHECK(peekClientHello(split).status == HelloStatus::Malformed);
  // A record version that is not 3.x.
  std::string v = makeHello("");
  v[1] = 0x09;
  CHECK(peekClientHello(v).status == HelloStatus::Malformed);
  // A handshake message claiming more than the bound.
  std::string huge("\x16\x03\x01\x00\x04\x01\x7f\xff\xff", 9);
  CHECK(peekClientHello(huge).status == HelloStatus::Malformed);
}

TEST_CASE("an empty ALPN protocol name is malformed") {
  std::string list = u16(1) + std::string("\x00", 1);
  std::string ext = u16(0x10) + u16(list.size()) + list;
  CHECK(peekClientHello(makeHello(ext)).status == HelloStatus::Malformed);
}

}  // namespace
}  // namespace pier::net
