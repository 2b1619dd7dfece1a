#include "http/hop_by_hop.h"

#include <doctest/doctest.h>

#include <string>

using namespace pier::http;

namespace {

std::string dump(const HeaderMap& h) {
  std::string out;
  for (const HeaderField& f : h) {
    out += f.name + "=" + f.value + ";";
  }
  return out;
}

}  // namespace

TEST_SUITE("http") {
  TEST_CASE("hop-by-hop: spec G.2 list and Connection-listed names are removed") {
    HeaderMap h;
    h.add("Host", "a");
    h.add("Connection", "keep-alive, Foo");
    h.add("Foo", "bar");
    h.add("Proxy-Connection", "x");
    h.add("Keep-Alive", "timeout=5");
    h.add("Proxy-Authenticate", "x");
    h.add("Proxy-Authorization", "x");
    h.add("Te", "gzip");
    h.add("Trailer", "X");
    h.add("Transfer-Encoding", "chunked");
    h.add("Upgrade", "websocket");
    h.add("User-Agent", "ua");
    removeHopByHop(h, false);
    CHECK(dump(h) == "Host=a;User-Agent=ua;");
  }

  TEST_CASE("hop-by-hop: Te trailers survives") {
    HeaderMap h;
    h.add("TE", "trailers, deflate");
    removeHopByHop(h, false);
    CHECK(dump(h) == "Te=trailers;");
  }

  TEST_CASE("hop-by-hop: upgrade keeps Upgrade and re-adds Connection: Upgrade (spec G.4)") {
    HeaderMap h;
    h.add("Connection", "Upgrade, X-Hop");
    h.add("Upgrade", "websocket");
    h.add("X-Hop", "1");
    h.add("Sec-WebSocket-Key", "k");
    CHECK(isUpgradeRequest(h));
    CHECK(isWebSocketUpgrade(h));
    removeHopByHop(h, true);
    CHECK(dump(h) == "Upgrade=websocket;Sec-WebSocket-Key=k;Connection=Upgrade;");
  }

  TEST_CASE("hop-by-hop: upgrade detection") {
    struct Case {
      const char* name;
      const char* connection;
      const char* upgrade;
      bool is_upgrade;
      bool is_ws;
    };
    const Case cases[] = {
        {"websocket", "Upgrade", "websocket", true, true},
        {"token list", "keep-alive, upgrade", "WebSocket", true, true},
        {"h2c", "Upgrade, HTTP2-Settings", "h2c", true, false},
        {"no connection token", "keep-alive", "websocket", false, false},
        {"no upgrade field", "upgrade", nullptr, false, false},
    };
    for (const Case& c : cases) {
      SUBCASE(c.name) {
        HeaderMap h;
        h.add("Connection", c.connection);
        if (c.upgrade != nullptr) {
          h.add("Upgrade", c.upgrade);
        }
        CHECK(isUpgradeRequest(h) == c.is_upgrade);
        CHECK(isWebSocketUpgrade(h) == c.is_ws);
      }
    }
  }

  TEST_CASE("websocket: Sec-WebSocket-* names get the spec G.4 capitalisation") {
    struct Row {
      const char* sent;
      const char* canonical;
    };
    const Row rows[] = {
        {"sec-websocket-key", "Sec-WebSocket-Key"},
        {"Sec-Websocket-Key", "Sec-WebSocket-Key"},
        {"SEC-WEBSOCKET-EXTENSIONS", "Sec-WebSocket-Extensions"},
        {"sec-WebSocket-accept", "Sec-WebSocket-Accept"},
        {"Sec-Websocket-Protocol", "Sec-WebSocket-Protocol"},
        {"sec-websocket-version", "Sec-WebSocket-Version"},
        {"Sec-WebSocket-Key", "Sec-WebSocket-Key"},
        // Not one of the five: untouched.
        {"sec-websocket-origin", "sec-websocket-origin"},
        {"sec-websocket-key2", "sec-websocket-key2"},
        {"x-sec-websocket-key", "x-sec-websocket-key"},
        {"sec-websocket-key ", "sec-websocket-key "},
        {"upgrade", "upgrade"},
    };
    for (const Row& r : rows) {
      CAPTURE(std::string(r.sent));
      HeaderMap h;
      h.add(r.sent, " Mixed-Case Value== ");
      canonicalizeWebSocketHeaders(h);
      REQUIRE(h.size() == 1);
      CHECK(h.fields()[0].name == r.canonical);
      CHECK(h.fields()[0].value == " Mixed-Case Value== ");
    }
  }

  TEST_CASE("websocket: canonicalisation keeps order, duplicates and other fields") {
    HeaderMap h;
    h.add("host", "a");
    h.add("sec-websocket-protocol", "chat");
    h.add("connection", "Upgrade");
    h.add("SEC-WEBSOCKET-PROTOCOL", "superchat");
    h.add("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==");
    h.add("upgrade", "websocket");
    h.add("sec-websocket-version", "13");
    canonicalizeWebSocketHeaders(h);
    CHECK(dump(h) ==
          "host=a;Sec-WebSocket-Protocol=chat;connection=Upgrade;Sec-WebSocket-Protocol=superchat;"
          "Sec-WebSocket-Key=dGhlIHNhbXBsZSBub25jZQ==;upgrade=websocket;"
          "Sec-WebSocket-Version=13;");
    // Idempotent; an empty map is fine.
    canonicalizeWebSocketHeaders(h);
    CHECK(h.size() == 7);
    HeaderMap empty;
    canonicalizeWebSocketHeaders(empty);
    CHECK(empty.empty());
  }

}  // TEST_SUITE
