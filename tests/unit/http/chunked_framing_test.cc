// Chunked transfer-coding framing (RFC 9112 §7.1): the ChunkValidator on its own, and
// Http1Parser rejecting framing that llhttp 8.1 alone would accept (it skips the two bytes after
// chunk data), whole, byte by byte and at random split points, in both modes.
#include "http/chunk_validator.h"

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "http/parser.h"
#include "recording_sink.h"

using namespace pier::http;
using namespace std::string_literals;
using pier::http::test::drive;
using pier::http::test::driveWhole;
using pier::http::test::randomCuts;
using pier::http::test::RecordingSink;

namespace {

const std::string kReqHead = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
const std::string kRespHead = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
const std::string kSmuggled = "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n";

struct BadBody {
  std::string name;
  std::string body;  // chunked body (possibly followed by a smuggled request)
};

// Every one must be rejected. Most are followed by kSmuggled, which must never be parsed.
const std::vector<BadBody>& badBodies() {
  static const std::vector<BadBody> cases = {
      // The two bytes after chunk data (llhttp 8.1 skips them unchecked).
      {"XX after data", "4\r\nabcdXX0\r\n\r\n" + kSmuggled},
      {"CR then junk after data", "4\r\nabcd\rX0\r\n\r\n" + kSmuggled},
      {"junk then LF after data", "4\r\nabcdX\n0\r\n\r\n" + kSmuggled},
      {"LF only after data", "4\r\nabcd\n0\r\n\r\n" + kSmuggled},
      {"no CRLF after data", "4\r\nabcd0\r\n\r\n" + kSmuggled},
      {"LF CR after data", "4\r\nabcd\n\r0\r\n\r\n" + kSmuggled},
      {"XX after second chunk", "1\r\na\r\n2\r\nbcXX0\r\n\r\n" + kSmuggled},
      // chunk-size syntax.
      {"size trailing junk", "4x\r\nabcd\r\n0\r\n\r\n"},
      {"size leading space", " 4\r\nabcd\r\n0\r\n\r\n"},
      {"size leading tab", "\t4\r\nabcd\r\n0\r\n\r\n"},
      {"size trailing space", "4 \r\nabcd\r\n0\r\n\r\n"},
      {"space before extension", "4 ;a=b\r\nabcd\r\n0\r\n\r\n"},
      {"size negative", "-1\r\na\r\n0\r\n\r\n"},
      {"size plus sign", "+4\r\nabcd\r\n0\r\n\r\n"},
      {"size 0x prefix", "0x4\r\nabcd\r\n0\r\n\r\n"},
      {"size empty", "\r\nabcd\r\n0\r\n\r\n"},
      {"extension without size", ";a\r\nabcd\r\n0\r\n\r\n"},
      {"size 17 digits", "10000000000000000\r\na\r\n0\r\n\r\n"},
      {"size 17 digits leading zeros", "00000000000000004\r\nabcd\r\n0\r\n\r\n"},
      {"size 20 digits", "ffffffffffffffffffff\r\n"},
      {"last chunk 17 zeros", "00000000000000000\r\n\r\n" + kSmuggled},
      // Bare LF (or bare CR) line endings in the framing.
      {"size line bare LF", "4\nabcd\r\n0\r\n\r\n"},
      {"size line bare CR", "4\rabcd\r\n0\r\n\r\n"},
      {"extension bare LF", "4;a=b\nabcd\r\n0\r\n\r\n"},
      {"extension control char", "4;a\x01\r\nabcd\r\n0\r\n\r\n"},
      {"extension NUL", "4;a\0b\r\nabcd\r\n0\r\n\r\n"s},
      {"last chunk bare LF", "0\n\r\n" + kSmuggled},
      {"final bare LF", "0\r\n\n" + kSmuggled},
      {"trailer bare LF", "0\r\nX: y\n\r\n" + kSmuggled},
      {"trailer bare CR", "0\r\nX: y\rz\r\n\r\n" + kSmuggled},
      {"final CR then junk", "0\r\n\rX" + kSmuggled},
      {"after trailer bare LF", "0\r\nX: y\r\n\n" + kSmuggled},
      // The body's final CRLF missing while more bytes follow.
      {"no final CRLF", "0\r\n" + kSmuggled},
      {"no final CRLF after trailer", "0\r\nX: y\r\n" + kSmuggled},
      {"no final CRLF after data chunk", "4\r\nabcd\r\n0\r\n" + kSmuggled},
  };
  return cases;
}

struct GoodBody {
  std::string name;
  std::string body;
  std::string decoded;
};

const std::vector<GoodBody>& goodBodies() {
  static const std::vector<GoodBody> cases = {
      {"one chunk", "4\r\nabcd\r\n0\r\n\r\n", "abcd"},
      {"empty body", "0\r\n\r\n", ""},
      {"data containing CRLF and digits", "5\r\n\r\n0\r\n\r\n0\r\n\r\n", "\r\n0\r\n"},
      {"upper-case hex", "A\r\n0123456789\r\n0\r\n\r\n", "0123456789"},
      {"lower-case hex", "a\r\n0123456789\r\n0\r\n\r\n", "0123456789"},
      {"leading zeros", "0004\r\nabcd\r\n000\r\n\r\n", "abcd"},
      {"16 digits", "0000000000000004\r\nabcd\r\n0000000000000000\r\n\r\n", "abcd"},
      {"extension", "4;ext=1\r\nabcd\r\n0\r\n\r\n", "abcd"},
      {"extension without value", "4;ext\r\nabcd\r\n0;last\r\n\r\n", "abcd"},
      {"several extensions", "4;a;b=\"two\";c=3\r\nabcd\r\n0\r\n\r\n", "abcd"},
      {"quoted extension", "4;a=\"x;y z\"\r\nabcd\r\n0\r\n\r\n", "abcd"},
      {"trailer", "4\r\nabcd\r\n0\r\nX-Sum: 1\r\n\r\n", "abcd"},
      {"two trailers", "1\r\na\r\n1\r\nb\r\n0\r\nX-A: 1\r\nX-B: 2\r\n\r\n", "ab"},
      {"many chunks", "1\r\na\r\n2\r\nbc\r\n3\r\ndef\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n",
       "abcdef0123456789abcdef"},
  };
  return cases;
}

std::vector<std::size_t> everyByte(std::size_t n) {
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < n; ++i)
    cuts.push_back(i);
  return cuts;
}

// Runs `input` through a fresh parser cut at `cuts`; checks it is rejected with `status`, that the
// chunked message never completed and that no second message (the smuggled one) was seen.
void expectRejected(Http1Parser::Mode mode, const std::string& input,
                    const std::vector<std::size_t>& cuts, int status,
                    std::size_t max_messages = 1) {
  RecordingSink sink;
  Http1Parser p(mode, sink);
  auto r = drive(p, input, cuts);
  CHECK(r.last == ParseStatus::Error);
  CHECK(p.errorStatus() == status);
  CHECK(r.consumed <= input.size());
  REQUIRE(sink.messages.size() <= max_messages);
  if (!sink.messages.empty()) {
    CHECK_FALSE(sink.messages[0].complete);
  }
  // Sticky: nothing more is parsed.
  CHECK(p.feed(kSmuggled).status == ParseStatus::Error);
  CHECK(sink.messages.size() <= 1);
}

}  // namespace

TEST_SUITE("http") {
  TEST_CASE("chunk validator: the smuggling body from the report is caught at the X") {
    ChunkValidator v;
    CHECK_FALSE(v.active());
    v.start();
    CHECK(v.active());
    const std::string body = "4\r\nabcdXX0\r\n\r\n";
    ChunkValidator::Scan s = v.scan(body);
    CHECK(s.result == ChunkValidator::Result::Error);
    CHECK(s.consumed == 7);  // the first X
    CHECK(v.reason() == "chunk data not followed by CRLF");
    CHECK_FALSE(v.active());
    // Sticky.
    CHECK(v.scan("0\r\n\r\n").result == ChunkValidator::Result::Error);
    // start() makes it usable again.
    v.start();
    CHECK(v.scan("0\r\n\r\n").result == ChunkValidator::Result::Done);
  }

  TEST_CASE("chunk validator: stops right after the final CRLF at every split point") {
    const std::string next = "GET / HTTP/1.1\r\n";
    for (const GoodBody& c : goodBodies()) {
      CAPTURE(c.name);
      const std::string input = c.body + next;
      for (std::size_t cut = 0; cut <= input.size(); ++cut) {
        CAPTURE(cut);
        ChunkValidator v;
        v.start();
        std::size_t total = 0;
        ChunkValidator::Scan s = v.scan(std::string_view(input).substr(0, cut));
        total += s.consumed;
        if (s.result == ChunkValidator::Result::NeedMore) {
          CHECK(s.consumed == cut);
          s = v.scan(std::string_view(input).substr(cut));
          total += s.consumed;
        }
        CHECK(s.result == ChunkValidator::Result::Done);
        CHECK(total == c.body.size());
        CHECK_FALSE(v.active());
      }
    }
  }

  TEST_CASE("chunk validator: bad framing is an error wherever the input is split") {
    for (const BadBody& c : badBodies()) {
      CAPTURE(c.name);
      for (std::size_t cut = 0; cut <= c.body.size(); ++cut) {
        CAPTURE(cut);
        ChunkValidator v;
        v.start();
        ChunkValidator::Scan s = v.scan(std::string_view(c.body).substr(0, cut));
        if (s.result == ChunkValidator::Result::NeedMore) {
          s = v.scan(std::string_view(c.body).substr(cut));
        }
        CHECK(s.result == ChunkValidator::Result::Error);
        CHECK_FALSE(v.reason().empty());
      }
    }
  }

  TEST_CASE("chunked framing: the reported smuggling request is a 400 and nothing is smuggled") {
    const std::string input =
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        "4\r\nabcdXX0\r\n\r\n"
        "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n";
    RecordingSink sink;
    Http1Parser p(Http1Parser::Mode::Request, sink);
    FeedResult fr = p.feed(input);
    CHECK(fr.status == ParseStatus::Error);
    CHECK(p.errorStatus() == 400);
    CHECK(p.errorReason() == "chunk data not followed by CRLF");
    CHECK(fr.consumed == input.find("XX"));
    REQUIRE(sink.messages.size() == 1);
    CHECK(sink.messages[0].request.target == "/");
    CHECK_FALSE(sink.messages[0].complete);
    CHECK(sink.messages[0].body.empty());  // checked before llhttp delivers the buffer's data
  }

  TEST_CASE("chunked framing: malformed bodies are rejected in both modes at any split") {
    std::mt19937 rng(20240611);
    for (const BadBody& c : badBodies()) {
      SUBCASE(c.name.c_str()) {
        for (Http1Parser::Mode mode : {Http1Parser::Mode::Request, Http1Parser::Mode::Response}) {
          bool req = mode == Http1Parser::Mode::Request;
          CAPTURE(req);
          const std::string input = (req ? kReqHead : kRespHead) + c.body;
          const int status = req ? 400 : 500;
          expectRejected(mode, input, {}, status);
          expectRejected(mode, input, everyByte(input.size()), status);
          for (int round = 0; round < 40; ++round) {
            CAPTURE(round);
            expectRejected(mode, input, randomCuts(input.size(), rng, 1 + round % 8), status);
          }
        }
      }
    }
  }

  TEST_CASE("chunked framing: valid bodies, extensions and trailers still parse at any split") {
    std::mt19937 rng(777);
    const std::string next = "GET /next HTTP/1.1\r\nHost: a\r\n\r\n";
    for (const GoodBody& c : goodBodies()) {
      SUBCASE(c.name.c_str()) {
        const std::string input = kReqHead + c.body + next;
        std::vector<std::vector<std::size_t>> splits = {{}, everyByte(input.size())};
        for (int round = 0; round < 60; ++round) {
          splits.push_back(randomCuts(input.size(), rng, 1 + round % 10));
        }
        for (const auto& cuts : splits) {
          RecordingSink sink;
          Http1Parser p(Http1Parser::Mode::Request, sink);
          auto r = drive(p, input, cuts);
          CHECK(r.last == ParseStatus::Paused);
          CHECK(r.consumed == input.size());
          CHECK(r.stops == std::vector<std::size_t>{kReqHead.size() + c.body.size(), input.size()});
          REQUIRE(sink.messages.size() == 2);
          CHECK(sink.messages[0].info.kind == BodyKind::Chunked);
          CHECK(sink.messages[0].body == c.decoded);
          CHECK(sink.messages[0].complete);
          CHECK(sink.messages[1].request.target == "/next");
          CHECK(sink.messages[1].complete);
        }
        // Response mode, with a second response pipelined behind.
        const std::string resp = kRespHead + c.body + "HTTP/1.1 204 No Content\r\n\r\n";
        RecordingSink sink;
        Http1Parser p(Http1Parser::Mode::Response, sink);
        auto r = drive(p, resp, randomCuts(resp.size(), rng, 5));
        CHECK(r.last == ParseStatus::Paused);
        REQUIRE(sink.messages.size() == 2);
        CHECK(sink.messages[0].body == c.decoded);
        CHECK(sink.messages[1].response.status == 204);
      }
    }
  }

  TEST_CASE("chunked framing: upgrade request with a chunked body, then tunnel bytes") {
    const std::string head =
        "POST /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: foo\r\n"
        "Transfer-Encoding: chunked\r\n\r\n";
    const std::string body = "3\r\nabc\r\n0\r\n\r\n";
    const std::string input = head + body + "tunnel\r\nXX";
    std::mt19937 rng(99);
    for (int round = 0; round < 100; ++round) {
      CAPTURE(round);
      RecordingSink sink;
      Http1Parser p(Http1Parser::Mode::Request, sink);
      auto r = drive(p, input, randomCuts(input.size(), rng, round % 6));
      CHECK(r.last == ParseStatus::Upgrade);
      CHECK(r.consumed == head.size() + body.size());
      REQUIRE(sink.messages.size() == 1);
      CHECK(sink.messages[0].body == "abc");
      CHECK(sink.messages[0].complete);
    }
    // Bad framing in an upgrade request's body is still an error, not a tunnel.
    const std::string bad = head + "3\r\nabcXX0\r\n\r\n";
    RecordingSink sink;
    Http1Parser p(Http1Parser::Mode::Request, sink);
    CHECK(driveWhole(p, bad).last == ParseStatus::Error);
    CHECK(p.errorStatus() == 400);
  }

  TEST_CASE("chunked framing: reset() after a framing error parses a new connection") {
    RecordingSink sink;
    Http1Parser p(Http1Parser::Mode::Request, sink);
    CHECK(p.feed(kReqHead + "4\r\nabcd").status == ParseStatus::Ok);
    CHECK(p.feed("XX").status == ParseStatus::Error);
    CHECK(p.errorStatus() == 400);
    p.reset();
    const std::string ok = kReqHead + "2\r\nhi\r\n0\r\n\r\n";
    FeedResult fr = p.feed(ok);
    CHECK(fr.status == ParseStatus::Paused);
    CHECK(fr.consumed == ok.size());
    REQUIRE(sink.messages.size() == 2);
    CHECK(sink.messages[1].body == "hi");
    // A body-less message after reset() is not checked as chunked.
    p.resume();
    CHECK(p.feed("GET / HTTP/1.1\r\nHost: a\r\n\r\n").status == ParseStatus::Paused);
  }

  TEST_CASE("head framing: the empty line ending a head must be exactly CRLF (both modes)") {
    struct HeadCase {
      std::string name;
      Http1Parser::Mode mode;
      std::string input;
      int status;
    };
    const auto req = Http1Parser::Mode::Request;
    const auto resp = Http1Parser::Mode::Response;
    const HeadCase cases[] = {
        {"request CR junk", req, "GET / HTTP/1.1\r\nHost: a\r\n\rX" + kSmuggled, 400},
        {"request bare LF", req, "GET / HTTP/1.1\r\nHost: a\r\n\n" + kSmuggled, 400},
        {"request no fields CR junk", req, "GET / HTTP/1.0\r\n\rX" + kSmuggled, 400},
        {"chunked request CR junk", req, kReqHead.substr(0, kReqHead.size() - 1) + "X0\r\n\r\n",
         400},
        {"response CL CR junk", resp, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\rXa", 500},
        {"response chunked bare LF", resp,
         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\n0\r\n\r\n", 500},
        {"204 CR junk", resp, "HTTP/1.1 204 No Content\r\n\rX", 500},
        {"100 bare LF", resp, "HTTP/1.1 100 Continue\r\n\nHTTP/1.1 204 No Content\r\n\r\n", 500},
        {"101 CR junk", resp, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\rX", 500},
    };
    std::mt19937 rng(4242);
    for (const HeadCase& c : cases) {
      SUBCASE(c.name.c_str()) {
        // The head is never delivered: its end is checked first.
        expectRejected(c.mode, c.input, {}, c.status, 0);
        expectRejected(c.mode, c.input, everyByte(c.input.size()), c.status, 0);
        for (int round = 0; round < 20; ++round) {
          expectRejected(c.mode, c.input, randomCuts(c.input.size(), rng, 1 + round % 5), c.status);
        }
      }
    }
  }

  TEST_CASE("chunked framing: finishEof inside a chunked body is an error") {
    RecordingSink sink;
    Http1Parser p(Http1Parser::Mode::Response, sink);
    CHECK(p.feed(kRespHead + "4\r\nab").status == ParseStatus::Ok);
    CHECK(p.finishEof().status == ParseStatus::Error);
    CHECK(p.errorStatus() == 502);
  }

}  // TEST_SUITE
