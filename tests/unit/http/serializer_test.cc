#include "http/serializer.h"

#include <doctest/doctest.h>

#include <random>

#include "http/parser.h"
#include "http/status.h"
#include "recording_sink.h"

using namespace pier::http;

TEST_SUITE("http") {
  TEST_CASE("serializer: request head is always HTTP/1.1 and keeps field case and order") {
    HeaderMap h;
    h.add("Host", "a.com");
    h.add("Sec-WebSocket-Key", "k");
    h.add("x-lower", "v");
    std::string out;
    appendRequestHead(out, "GET", "/p?q=1", h);
    CHECK(out ==
          "GET /p?q=1 HTTP/1.1\r\nHost: a.com\r\nSec-WebSocket-Key: k\r\nx-lower: v\r\n\r\n");
  }

  TEST_CASE("serializer: response head, default reason, HTTP/1.0") {
    HeaderMap h;
    h.add("Content-Length", "0");
    std::string out;
    appendResponseHead(out, 404, "", 1, h);
    CHECK(out == "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    out.clear();
    appendResponseHead(out, 200, "Fine", 0, HeaderMap{});
    CHECK(out == "HTTP/1.0 200 Fine\r\n\r\n");
    out.clear();
    appendResponseHead(out, 599, "", 1, HeaderMap{});
    CHECK(out == "HTTP/1.1 599 \r\n\r\n");
  }

  TEST_CASE("serializer: CR/LF in values cannot split the message; bad names are skipped") {
    HeaderMap h;
    h.add("X-Evil", "a\r\nInjected: yes");
    h.add("Bad Name", "v");
    h.add("", "v");
    std::string out;
    appendRequestHead(out, "GET", "/", h);
    CHECK(out == "GET / HTTP/1.1\r\nX-Evil: a  Injected: yes\r\n\r\n");
  }

  TEST_CASE("serializer: chunks round-trip through the parser") {
    std::mt19937 rng(7);
    std::string expected;
    std::string wire;
    HeaderMap h;
    h.add("Host", "h");
    h.add("Transfer-Encoding", "chunked");
    appendRequestHead(wire, "POST", "/", h);
    for (int i = 0; i < 50; ++i) {
      std::string data(rng() % 300, static_cast<char>('a' + i % 26));
      expected += data;
      appendChunk(wire, data);
    }
    appendChunk(wire, "");  // no-op
    appendLastChunk(wire);
    test::RecordingSink sink;
    Http1Parser p(Http1Parser::Mode::Request, sink);
    auto r = test::drive(p, wire, test::randomCuts(wire.size(), rng, 20));
    CHECK(r.last == ParseStatus::Paused);
    REQUIRE(sink.messages.size() == 1);
    CHECK(sink.messages[0].body == expected);
  }

  TEST_CASE("serializer: chunk size is lower-case hex") {
    std::string out;
    appendChunk(out, std::string(255, 'x'));
    CHECK(out.substr(0, 4) == "ff\r\n");
    out.clear();
    appendLastChunk(out);
    CHECK(out == "0\r\n\r\n");
  }

  TEST_CASE("status: reason phrases") {
    CHECK(reasonPhrase(200) == "OK");
    CHECK(reasonPhrase(421) == "Misdirected Request");
    CHECK(reasonPhrase(431) == "Request Header Fields Too Large");
    CHECK(reasonPhrase(499) == "Client Closed Request");
    CHECK(reasonPhrase(502) == "Bad Gateway");
    CHECK(reasonPhrase(504) == "Gateway Timeout");
    CHECK(reasonPhrase(418) == "I'm a teapot");
    CHECK(reasonPhrase(999).empty());
  }

}  // TEST_SUITE
