// Request smuggling and strictness: every row must be rejected before any body byte is
// delivered, with the status the proxy answers (architecture §4.4, spec G.5).
#include <doctest/doctest.h>

#include <string>

#include "http/parser.h"
#include "recording_sink.h"

using namespace pier::http;
using namespace std::string_literals;
using pier::http::test::drive;
using pier::http::test::driveWhole;
using pier::http::test::RecordingSink;

namespace {

struct Case {
  const char* name;
  std::string input;
  int status;
  bool body_may_start = false;  // the error is in the body framing, after some body bytes
};

std::vector<std::size_t> everyByte(std::size_t n) {
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < n; ++i)
    cuts.push_back(i);
  return cuts;
}

const std::string kPost = "POST / HTTP/1.1\r\nHost: h\r\n";

}  // namespace

TEST_SUITE("http") {
  TEST_CASE("smuggling: ambiguous or invalid requests are rejected") {
    const Case cases[] = {
        {"CL + TE", kPost + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
         400},
        {"TE + CL", kPost + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
         400},
        {"duplicate CL equal", kPost + "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello", 400},
        {"conflicting CL", kPost + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400},
        {"CL list", kPost + "Content-Length: 5, 5\r\n\r\nhello", 400},
        {"CL plus sign", kPost + "Content-Length: +5\r\n\r\nhello", 400},
        {"CL negative", kPost + "Content-Length: -5\r\n\r\n", 400},
        {"CL inner space", kPost + "Content-Length: 1 0\r\n\r\n", 400},
        {"CL hex", kPost + "Content-Length: 0x5\r\n\r\n", 400},
        {"CL empty", kPost + "Content-Length:\r\n\r\n", 400},
        {"CL overflow", kPost + "Content-Length: 99999999999999999999999\r\n\r\n", 400},
        {"TE chunked not final", kPost + "Transfer-Encoding: chunked, gzip\r\n\r\n", 400},
        {"TE identity", kPost + "Transfer-Encoding: identity\r\n\r\n", 400},
        {"TE chunked twice",
         kPost + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
        {"TE gzip then chunked", kPost + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501},
        {"TE empty", kPost + "Transfer-Encoding: \r\n\r\n", 400},
        {"TE obfuscated xchunked", kPost + "Transfer-Encoding: xchunked\r\n\r\n", 400},
        {"TE with space in name", kPost + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400},
        {"TE tab value", kPost + "Transfer-Encoding:\tchunked\r\nContent-Length: 3\r\n\r\n", 400},
        {"bad chunk size", kPost + "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", 400},
        {"chunk size with space",
         kPost + "Transfer-Encoding: chunked\r\n\r\n3 \r\nabc\r\n0\r\n\r\n", 400},
        {"chunk size 0x", kPost + "Transfer-Encoding: chunked\r\n\r\n0x3\r\nabc\r\n0\r\n\r\n", 400},
        {"chunk LF only", kPost + "Transfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n", 400},
        {"chunk overflow", kPost + "Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n", 400},
        {"chunk data too long", kPost + "Transfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n",
         400, true},
        // llhttp 8.1 ends a head at CR + any byte or at a bare LF; the parser checks the CRLF.
        {"head ends CR junk", "GET / HTTP/1.1\r\nHost: h\r\n\rXGET /s HTTP/1.1\r\nHost: h\r\n\r\n",
         400},
        {"head ends CR CR", "GET / HTTP/1.1\r\nHost: h\r\n\r\r\n", 400},
        {"head ends bare LF", "GET / HTTP/1.1\r\nHost: h\r\n\nGET /s HTTP/1.1\r\nHost: h\r\n\r\n",
         400},
        {"CL body after CR junk", kPost + "Content-Length: 1\r\n\rXa", 400},
        {"chunked head ends bare LF", kPost + "Transfer-Encoding: chunked\r\n\n0\r\n\r\n", 400},
        {"chunk data then XX", kPost + "Transfer-Encoding: chunked\r\n\r\n4\r\nabcdXX0\r\n\r\n",
         400},
        {"obs-fold", "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n", 400},
        {"obs-fold tab", "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n\tb\r\n\r\n", 400},
        {"obs-fold after empty", "GET / HTTP/1.1\r\nHost: h\r\nX:\r\n b\r\n\r\n", 400},
        {"space before colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400},
        {"empty field name", "GET / HTTP/1.1\r\nHost: h\r\n: v\r\n\r\n", 400},
        {"control char in value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\x01b\r\n\r\n", 400},
        {"NUL in value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n"s, 400},
        {"bare LF line ends", "GET / HTTP/1.1\nHost: h\n\n", 400},
        {"bare CR in value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n", 400},
        {"space in target", "GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", 400},
        {"lower-case method", "get / HTTP/1.1\r\nHost: h\r\n\r\n", 400},
        {"missing Host", "GET / HTTP/1.1\r\n\r\n", 400},
        {"two Host fields", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
        {"HTTP/2.0 request line", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505},
        {"HTTP/0.9 request line", "GET / HTTP/0.9\r\nHost: h\r\n\r\n", 505},
        {"h2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400},
        {"unknown Expect", "GET / HTTP/1.1\r\nHost: h\r\nExpect: magic\r\n\r\n", 417},
        {"CONNECT", "CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n", 501},
    };
    for (const Case& c : cases) {
      SUBCASE(c.name) {
        RecordingSink sink;
        Http1Parser p(Http1Parser::Mode::Request, sink);
        auto r = driveWhole(p, c.input);
        CHECK(r.last == ParseStatus::Error);
        CHECK(p.errorStatus() == c.status);
        CHECK(r.consumed <= c.input.size());
        for (const auto& m : sink.messages) {
          CHECK((m.body.empty() || c.body_may_start));
        }
        // Same verdict when the bytes arrive one at a time.
        RecordingSink sink2;
        Http1Parser p2(Http1Parser::Mode::Request, sink2);
        auto r2 = drive(p2, c.input, everyByte(c.input.size()));
        CHECK(r2.last == ParseStatus::Error);
        CHECK(p2.errorStatus() == c.status);
      }
    }
  }

  TEST_CASE("smuggling: accepted framing variants") {
    const Case cases[] = {
        {"CL with OWS", kPost + "Content-Length:  3 \r\n\r\nabc", 3},
        {"TE mixed case", kPost + "Transfer-Encoding: Chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 3},
        {"CL zero", kPost + "Content-Length: 0\r\n\r\n", 0},
        {"HTTP/1.0 without Host", "GET / HTTP/1.0\r\n\r\n", 0},
        {"empty values", "GET / HTTP/1.1\r\nHost: h\r\nX:\r\nY: \r\nZ:\t\r\n\r\n", 0},
    };
    for (const Case& c : cases) {
      SUBCASE(c.name) {
        RecordingSink sink;
        Http1Parser p(Http1Parser::Mode::Request, sink);
        auto r = driveWhole(p, c.input);
        CHECK(r.last == ParseStatus::Paused);
        REQUIRE(sink.messages.size() == 1);
        CHECK(sink.messages[0].body.size() == static_cast<std::size_t>(c.status));
        RecordingSink sink2;
        Http1Parser p2(Http1Parser::Mode::Request, sink2);
        CHECK(drive(p2, c.input, everyByte(c.input.size())).last == ParseStatus::Paused);
      }
    }
  }

}  // TEST_SUITE
