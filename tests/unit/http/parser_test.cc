#include "http/parser.h"

#include <doctest/doctest.h>

#include <random>
#include <string>

#include "recording_sink.h"

using namespace pier::http;
using pier::http::test::drive;
using pier::http::test::driveWhole;
using pier::http::test::randomCuts;
using pier::http::test::RecordingSink;

TEST_SUITE("http") {
  TEST_CASE("parser: simple request head keeps the sender's case and trims values") {
    RecordingSink sink;
    Http1Parser p(Http1Parser::Mode::Request, sink);
    const std::string input = "GET /a?b=1 HTTP/1.1\r\nHost: x.com\r\nX-CaSe:  v v \t\r\n\r\n";
    auto r = driveWhole(p, input);
    CHECK(r.last == ParseStatus::Paused);
    REQUIRE(sink.messages.size() == 1);
    const auto& m = sink.messages[0];
    CHECK(m.request.method == "GET");
    CHECK(m.request.target == "/a?b=1");
    CHECK(m.request.version_minor == 1);
    REQUIRE(m.request.headers.size() == 2);
    CHECK(m.request.headers.fields()[1].name == "X-CaSe");
    CHECK(m.request.headers.fields()[1].value == "v v");
    CHECK(m.info.kind == BodyKind::None);
    CHECK(m.info.keep_alive);
    CHECK(m.complete);
    CHECK(r.stops == std::vector<std::size_t>{input.size()});
  }

  TEST_CASE("parser: pipelined requests pause one at a time") {
    RecordingSink sink;
    Http1Parser p(Http1Parser::Mode::Request, sink);
    std::string a = "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n";
    std::string b = "POST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc";
    std::string c = "GET /3 HTTP/1.1\r\nHost: h\r\n\r\n";
    std::string all = a + b + c;
    FeedResult fr = p.feed(all);
    CHECK(fr.status == ParseStatus::Paused);
    CHECK(fr.consumed == a.size());
    CHECK(sink.messages.size() == 1);
    // Feeding again without resume() consumes nothing.
    CHECK(p.feed(std::string_view(all).substr(fr.consumed)).consumed == 0);
    p.resume();
    fr = p.feed(std::string_view(all).substr(a.size()));
    CHECK(fr.status == ParseStatus::Paused);
    CHECK(fr.consumed == b.size());
    REQUIRE(sink.messages.size() == 2);
    CHECK(sink.messages[1].body == "abc");
    CHECK(sink.messages[1].info.kind == BodyKind::ContentLength);
    CHECK(sink.messages[1].info.content_length == 3);
    p.resume();
    fr = p.feed(std::string_view(all).substr(a.size() + b.size()));
    CHECK(fr.status == ParseStatus::Paused);
    CHECK(fr.consumed == c.size());
    CHECK(sink.messages.size() == 3);
    CHECK(sink.messages[2].request.target == "/3");
  }

  TEST_CASE("parser: chunked body decodes at random split points") {
    const std::string input =
        "POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\nhello\r\n1;ext=v\r\n \r\n10\r\n0123456789abcdef\r\n0\r\nTrailer-X: t\r\n\r\n"
        "GET /next HTTP/1.1\r\nHost: h\r\n\r\n";
    std::mt19937 rng(12345);
    for (int round = 0; round < 300; ++round) {
      CAPTURE(round);
      RecordingSink sink;
      Http1Parser p(Http1Parser::Mode::Request, sink);
      auto r = drive(p, input, randomCuts(input.size(), rng, 1 + round % 12));
      REQUIRE(r.last == ParseStatus::Paused);
      REQUIRE(sink.messages.size() == 2);
      CHECK(sink.messages[0].info.kind == BodyKind::Chunked);
      CHECK(sink.messages[0].body == "hello 0123456789abcdef");
      CHECK(sink.messages[0].request.headers.size() == 2);  // trailers dropped
      CHECK(sink.messages[1].request.target == "/next");
      CHECK(r.consumed == input.size());
    }
  }

  TEST_CASE("parser: head split byte by byte gives the same fields") {
    const std::string input = "GET / HTTP/1.1\r\nHost: h\r\nLong-Name: some value here\r\n\r\n";
    RecordingSink sink;
    Http1Parser p(Http1Parser::Mode::Request, sink);
    std::vector<std::size_t> cuts;
    for (std::size_t i = 1; i < input.size(); ++i)
      cuts.push_back(i);
    auto r = drive(p, input, cuts);
    CHECK(r.last == ParseStatus::Paused);
    REQUIRE(sink.messages.size() == 1);
    CHECK(*sink.messages[0].request.headers.get("long-name") == "some value here");
  }

  TEST_CASE("parser: 431 when the head exceeds max_header_bytes or max_header_count") {
    SUBCASE("bytes") {
      RecordingSink sink;
      Http1Parser p(Http1Parser::Mode::Request, sink, ParseLimits{256, 512});
      std::string big = "GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(300, 'a') + "\r\n\r\n";
      auto r = driveWhole(p, big);
      CHECK(r.last == ParseStatus::Error);
      CHECK(p.errorStatus() == 431);
      CHECK(sink.messages.empty());
    }
    SUBCASE("count") {
      RecordingSink sink;
      Http1Parser p(Http1Parser::Mode::Request, sink, ParseLimits{1 << 20, 4});
      std::string many = "GET / HTTP/1.1\r\nHost: h\r\n";
      for (int i = 0; i < 5; ++i)
        many += "X" + std::to_string(i) + ": v\r\n";
      auto r = driveWhole(p, many + "\r\n");
      CHECK(r.last == ParseStatus::Error);
      CHECK(p.errorStatus() == 431);
    }
    SUBCASE("limit exactly reached is fine") {
      RecordingSink sink;
      Http1Parser p(Http1Parser::Mode::Request, sink, ParseLimits{1 << 20, 2});
      auto r = driveWhole(p, "GET / HTTP/1.1\r\nHost: h\r\nA: b\r\n\r\n");
      CHECK(r.last == ParseStatus::Paused);
    }
    SUBCASE("long URL counts") {
      RecordingSink sink;
      Http1Parser p(Http1Parser::Mode::Request, sink, ParseLimits{100, 512});
      auto r = driveWhole(p, "GET /" + std::string(200, 'u') + " HTTP/1.1\r\nHost: h\r\n\r\n");
      CHECK(p.errorStatus() == 431);
      CHECK(r.last == ParseStatus::Error);
    }
  }

  TEST_CASE("parser: errors are sticky until reset()") {
    RecordingSink sink;
    Http1Parser p(Http1Parser::Mode::Request, sink);
    CHECK(p.feed("BLAH\r\n\r\n").status == ParseStatus::Error);
    CHECK(p.errorStatus() == 400);
    CHECK_FALSE(p.errorReason().empty());
    CHECK(p.feed("GET / HTTP/1.1\r\nHost: h\r\n\r\n").status == ParseStatus::Error);
    p.reset();
    CHECK(p.errorStatus() == 0);
    CHECK(p.feed("GET / HTTP/1.1\r\nHost: h\r\n\r\n").status == ParseStatus::Paused);
  }

  TEST_CASE("parser: keep-alive, Expect and HTTP/1.0") {
    struct Case {
      const char* name;
      std::string input;
      bool keep_alive;
      bool expect_continue;
    };
    const Case cases[] = {
        {"1.1 default", "GET / HTTP/1.1\r\nHost: h\r\n\r\n", true, false},
        {"1.1 close", "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", false, false},
        {"1.0 default", "GET / HTTP/1.0\r\n\r\n", false, false},
        {"1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true, false},
        {"expect", "PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n",
         true, true},
    };
    for (const Case& c : cases) {
      SUBCASE(c.name) {
        RecordingSink sink;
        Http1Parser p(Http1Parser::Mode::Request, sink);
        p.feed(c.input);
        REQUIRE(sink.messages.size() == 1);
        CHECK(sink.messages[0].info.keep_alive == c.keep_alive);
        CHECK(sink.messages[0].info.expect_continue == c.expect_continue);
      }
    }
  }

  TEST_CASE("parser: finishEof mid-message is an error, between messages is fine") {
    RecordingSink sink;
    Http1Parser p(Http1Parser::Mode::Request, sink);
    CHECK(p.finishEof().status == ParseStatus::Ok);
    CHECK(p.feed("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nab").status ==
          ParseStatus::Ok);
    CHECK(p.finishEof().status == ParseStatus::Error);
    CHECK(p.errorStatus() == 400);
  }

  TEST_CASE("parser: upgrade request returns Upgrade after the head, rest is tunnel bytes") {
    RecordingSink sink;
    Http1Parser p(Http1Parser::Mode::Request, sink);
    std::string head =
        "GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
        "Sec-WebSocket-Key: k\r\n\r\n";
    std::string input = head + "\x81\x05hello";
    FeedResult fr = p.feed(input);
    CHECK(fr.status == ParseStatus::Upgrade);
    CHECK(fr.consumed == head.size());
    REQUIRE(sink.messages.size() == 1);
    CHECK(sink.messages[0].info.upgrade);
    CHECK(sink.messages[0].complete);
    CHECK(p.feed("x").status == ParseStatus::Upgrade);  // stays put until resume()
  }

  TEST_CASE("parser: upgrade request refused by the backend goes back to HTTP after resume()") {
    RecordingSink sink;
    Http1Parser p(Http1Parser::Mode::Request, sink);
    std::string a = "GET /ws HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\nUpgrade: foo\r\n\r\n";
    std::string b = "GET /2 HTTP/1.1\r\nHost: h\r\n\r\n";
    FeedResult fr = p.feed(a + b);
    CHECK(fr.status == ParseStatus::Upgrade);
    CHECK(fr.consumed == a.size());
    p.resume();
    fr = p.feed(b);
    CHECK(fr.status == ParseStatus::Paused);
    CHECK(fr.consumed == b.size());
    CHECK(sink.messages.size() == 2);
  }

  TEST_CASE("parser: CONNECT is 501 (spec G1.11)") {
    RecordingSink sink;
    Http1Parser p(Http1Parser::Mode::Request, sink);
    CHECK(p.feed("CONNECT a.com:443 HTTP/1.1\r\nHost: a.com:443\r\n\r\n").status ==
          ParseStatus::Error);
    CHECK(p.errorStatus() == 501);
    CHECK(sink.messages.empty());
  }

  TEST_CASE("parser: response 1xx interim then final response") {
    RecordingSink sink;
    Http1Parser p(Http1Parser::Mode::Response, sink);
    std::string input =
        "HTTP/1.1 100 Continue\r\n\r\n"
        "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    auto r = driveWhole(p, input);
    CHECK(r.last == ParseStatus::Paused);
    CHECK(r.stops.size() == 3);
    REQUIRE(sink.messages.size() == 3);
    CHECK(sink.messages[0].response.status == 100);
    CHECK(sink.messages[0].response.reason == "Continue");
    CHECK(sink.messages[0].complete);
    CHECK(sink.messages[1].response.status == 103);
    CHECK(sink.messages[2].response.status == 200);
    CHECK(sink.messages[2].body == "ok");
  }

  TEST_CASE("parser: HEAD, 204 and 304 responses have no body even with framing headers") {
    RecordingSink sink;
    Http1Parser p(Http1Parser::Mode::Response, sink);
    p.expectNoBodyForNextResponse();
    std::string input =
        "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
        "HTTP/1.1 204 No Content\r\n\r\n"
        "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n"
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc";
    auto r = driveWhole(p, input);
    CHECK(r.last == ParseStatus::Paused);
    REQUIRE(sink.messages.size() == 4);
    for (int i = 0; i < 3; ++i) {
      CHECK(sink.messages[i].info.kind == BodyKind::None);
      CHECK(sink.messages[i].body.empty());
    }
    CHECK(sink.messages[3].body == "abc");
  }

  TEST_CASE("parser: HEAD expectation survives an interim response") {
    RecordingSink sink;
    Http1Parser p(Http1Parser::Mode::Response, sink);
    p.expectNoBodyForNextResponse();
    auto r =
        driveWhole(p, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n");
    CHECK(r.last == ParseStatus::Paused);
    REQUIRE(sink.messages.size() == 2);
    CHECK(sink.messages[1].info.kind == BodyKind::None);
  }

  TEST_CASE("parser: until-close response ends at EOF") {
    RecordingSink sink;
    Http1Parser p(Http1Parser::Mode::Response, sink);
    auto r = driveWhole(p, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nsome bytes");
    CHECK(r.last == ParseStatus::Ok);
    REQUIRE(sink.messages.size() == 1);
    CHECK(sink.messages[0].info.kind == BodyKind::UntilClose);
    CHECK_FALSE(sink.messages[0].info.keep_alive);
    CHECK_FALSE(sink.messages[0].complete);
    CHECK(p.feed(" more").status == ParseStatus::Ok);
    CHECK(p.finishEof().status == ParseStatus::Ok);
    CHECK(sink.messages[0].complete);
    CHECK(sink.messages[0].body == "some bytes more");
  }

  TEST_CASE("parser: response cut mid-body is 502 at EOF") {
    RecordingSink sink;
    Http1Parser p(Http1Parser::Mode::Response, sink);
    p.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
    CHECK(p.finishEof().status == ParseStatus::Error);
    CHECK(p.errorStatus() == 502);
  }

  TEST_CASE("parser: 101 response returns Upgrade with trailing tunnel bytes") {
    RecordingSink sink;
    Http1Parser p(Http1Parser::Mode::Response, sink);
    std::string head =
        "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
        "Sec-WebSocket-Accept: x\r\n\r\n";
    FeedResult fr = p.feed(head + "\x81\x02hi");
    CHECK(fr.status == ParseStatus::Upgrade);
    CHECK(fr.consumed == head.size());
    REQUIRE(sink.messages.size() == 1);
    CHECK(sink.messages[0].info.upgrade);
    CHECK(sink.messages[0].complete);
    CHECK(sink.messages[0].response.headers.fields()[2].name == "Sec-WebSocket-Accept");
  }

  TEST_CASE("parser: 101 without Upgrade fields is still an upgrade") {
    RecordingSink sink;
    Http1Parser p(Http1Parser::Mode::Response, sink);
    std::string head = "HTTP/1.1 101 Switching Protocols\r\n\r\n";
    FeedResult fr = p.feed(head + "raw");
    CHECK(fr.status == ParseStatus::Upgrade);
    CHECK(fr.consumed == head.size());
  }

  TEST_CASE("parser: malformed responses are 500") {
    const char* inputs[] = {
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n",
        "HTTX/1.1 200 OK\r\n\r\n",
        "HTTP/2.0 200 OK\r\n\r\n",
    };
    for (const char* in : inputs) {
      CAPTURE(in);
      RecordingSink sink;
      Http1Parser p(Http1Parser::Mode::Response, sink);
      CHECK(p.feed(in).status == ParseStatus::Error);
      CHECK(p.errorStatus() == 500);
    }
  }

}  // TEST_SUITE

TEST_SUITE("http") {
  TEST_CASE("parser: trailers have their own budget and are dropped") {
    RecordingSink sink;
    Http1Parser p(Http1Parser::Mode::Request, sink, ParseLimits{1 << 20, 3});
    std::string input =
        "POST / HTTP/1.1\r\nHost: h\r\nA: 1\r\nTransfer-Encoding: chunked\r\n\r\n"
        "1\r\nx\r\n0\r\nT1: a\r\nT2: b\r\n\r\n";
    auto r = driveWhole(p, input);
    CHECK(r.last == ParseStatus::Paused);
    REQUIRE(sink.messages.size() == 1);
    CHECK(sink.messages[0].request.headers.size() == 3);
    CHECK(sink.messages[0].body == "x");
  }

  TEST_CASE("parser: no bytes are parsed after a Connection: close request") {
    RecordingSink sink;
    Http1Parser p(Http1Parser::Mode::Request, sink);
    std::string a = "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
    FeedResult fr = p.feed(a + "GET /2 HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK(fr.status == ParseStatus::Paused);
    CHECK(fr.consumed == a.size());
    REQUIRE(sink.messages.size() == 1);
    CHECK_FALSE(sink.messages[0].info.keep_alive);
    p.resume();
    fr = p.feed("GET /2 HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK(fr.status == ParseStatus::Error);
    CHECK(sink.messages.size() == 1);
  }

  TEST_CASE("parser: response status outside 100-999 is rejected") {
    RecordingSink sink;
    Http1Parser p(Http1Parser::Mode::Response, sink);
    CHECK(p.feed("HTTP/1.0 20\r\n\r\n").status == ParseStatus::Error);
    CHECK(p.errorStatus() == 500);
  }

}  // TEST_SUITE
