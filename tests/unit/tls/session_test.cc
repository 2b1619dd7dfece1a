#include <doctest/doctest.h>

#include "tls/pem.h"
#include "tls_test_support.h"

namespace pier::tls::test {
namespace {

config::TlsConfig oneCert(const std::vector<std::string>& names) {
  config::TlsConfig cfg;
  cfg.certificates.push_back(inlineCert(pki().server(names)));
  return cfg;
}

TEST_CASE("handshake and application data both ways (TLS 1.3 by default)") {
  auto server = buildOk(oneCert({"example.com"}));
  auto client = trustingClient();
  Pair p;
  p.server = Session::accept(server->select("example.com", "default"));
  p.client = Session::connect(client->ctx(), "example.com", "example.com", {});
  REQUIRE(p.client);
  // Sent before the handshake completes: buffered, then delivered.
  CHECK(p.client->send("early hello") == Session::Status::Ok);
  p.pump();
  REQUIRE_MESSAGE(p.ok(), p.describe());
  CHECK(p.server_received == "early hello");
  CHECK(p.client->version() == "TLSv1.3");
  CHECK(p.server->version() == "TLSv1.3");
  CHECK(p.server->sni() == "example.com");
  CHECK(p.server->cipher().substr(0, 4) == "TLS_");
  CHECK_FALSE(p.client->resumed());

  std::string big(100000, 'x');
  CHECK(p.server->send(big) == Session::Status::Ok);
  CHECK(p.client->send("ping") == Session::Status::Ok);
  p.pump();
  CHECK(p.client_received == big);
  CHECK(p.server_received == "early helloping");

  std::vector<std::string> chain = p.client->peerCertificatesPem();
  REQUIRE_FALSE(chain.empty());
  auto info = inspectLeaf(chain.front());
  REQUIRE(info);
  CHECK(info->dns_names == std::vector<std::string>{"example.com"});
  CHECK(p.server->peerCertificatesPem().empty());

  p.client->shutdown();
  std::string out = p.client->takeOutput();
  std::string ignored;
  CHECK(p.server->receive(out.data(), out.size(), ignored) == Session::Status::Closed);
}

TEST_CASE("TLS 1.2 handshake with the default options") {
  auto server = buildOk(oneCert({"example.com"}));
  auto client = trustingClient("VersionTLS12");
  Pair p = handshake(server->select("example.com", "default"), client->ctx(), "example.com",
                     "example.com");
  REQUIRE_MESSAGE(p.ok(), p.describe());
  CHECK(p.server->version() == "TLSv1.2");
  CHECK(p.server->cipher().find("ECDHE") != std::string_view::npos);
  CHECK(p.client->send("data") == Session::Status::Ok);
  p.pump();
  CHECK(p.server_received == "data");
}

TEST_CASE("minVersion VersionTLS13 refuses a TLS 1.2 client") {
  config::TlsConfig cfg = oneCert({"example.com"});
  cfg.options["modern"].min_version = "VersionTLS13";
  auto server = buildOk(cfg);
  auto client12 = trustingClient("VersionTLS12");
  Pair p = handshake(server->select("example.com", "modern"), client12->ctx(), "example.com");
  CHECK(p.server_status == Session::Status::Error);
  CHECK_FALSE(p.server->errorText().empty());
  CHECK(p.client_status == Session::Status::Error);

  auto client13 = trustingClient();
  Pair q = handshake(server->select("example.com", "modern"), client13->ctx(), "example.com");
  CHECK_MESSAGE(q.ok(), q.describe());
}

TEST_CASE("maxVersion VersionTLS12 caps the protocol") {
  config::TlsConfig cfg = oneCert({"example.com"});
  cfg.options["old"].max_version = "VersionTLS12";
  auto server = buildOk(cfg);
  Pair p = handshake(server->select("example.com", "old"), trustingClient()->ctx(), "example.com");
  REQUIRE_MESSAGE(p.ok(), p.describe());
  CHECK(p.client->version() == "TLSv1.2");
}

TEST_CASE("ALPN: http/1.1 by default, h2 never, others only when listed") {
  config::TlsConfig cfg = oneCert({"example.com"});
  cfg.options["acme"].alpn_protocols = {"h2", "http/1.1", "acme-tls/1"};
  auto server = buildOk(cfg);
  auto client = trustingClient();
  WOLFSSL_CTX* def = server->select("example.com", "default");

  Pair browser = handshake(def, client->ctx(), "example.com", "", {"h2", "http/1.1"});
  REQUIRE_MESSAGE(browser.ok(), browser.describe());
  CHECK(browser.server->alpn() == "http/1.1");
  CHECK(browser.client->alpn() == "http/1.1");

  Pair h2only = handshake(def, client->ctx(), "example.com", "", {"h2"});
  REQUIRE(h2only.ok());
  CHECK(h2only.server->alpn().empty());

  Pair acme_default = handshake(def, client->ctx(), "example.com", "", {"acme-tls/1"});
  REQUIRE(acme_default.ok());
  CHECK(acme_default.server->alpn().empty());

  Pair acme = handshake(server->select("example.com", "acme"), client->ctx(), "example.com", "",
                        {"acme-tls/1"});
  REQUIRE(acme.ok());
  CHECK(acme.server->alpn() == "acme-tls/1");

  Pair none = handshake(def, client->ctx(), "example.com");
  REQUIRE(none.ok());
  CHECK(none.server->alpn().empty());
}

TEST_CASE("garbage fed to an accepting session fails promptly") {
  auto server = buildOk(oneCert({"example.com"}));
  WOLFSSL_CTX* ctx = server->select("example.com", "default");
  std::string out;

  SUBCASE("plain HTTP") {
    auto s = Session::accept(ctx);
    std::string req = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";
    CHECK(s->receive(req.data(), req.size(), out) == Session::Status::Error);
    CHECK_FALSE(s->errorText().empty());
    CHECK(s->receive(req.data(), req.size(), out) == Session::Status::Error);
    CHECK(s->bufferedInput() == 0);
  }
  SUBCASE("handshake record header announcing an oversized record") {
    auto s = Session::accept(ctx);
    const char rec[] = {0x16, 0x03, 0x01, static_cast<char>(0xff), static_cast<char>(0xff), 1, 2};
    CHECK(s->receive(rec, sizeof rec, out) == Session::Status::Error);
  }
  SUBCASE("handshake record with a garbled ClientHello") {
    auto s = Session::accept(ctx);
    std::string rec = {0x16, 0x03, 0x01, 0x00, 0x20, 0x01, 0x00, 0x00, 0x1c};
    rec += std::string(0x1c, '\x7f');
    CHECK(s->receive(rec.data(), rec.size(), out) == Session::Status::Error);
  }
  SUBCASE("megabytes of random bytes") {
    auto s = Session::accept(ctx);
    std::string junk(1 << 20, '\0');
    unsigned x = 12345;
    for (char& c : junk) {
      x = x * 1103515245 + 12345;
      c = static_cast<char>(x >> 16);
    }
    junk[0] = 0x16;  // looks like a handshake at first
    junk[1] = 0x03;
    junk[2] = 0x01;
    CHECK(s->receive(junk.data(), junk.size(), out) == Session::Status::Error);
    CHECK(s->bufferedInput() == 0);
  }
  CHECK(out.empty());
}

}  // namespace
}  // namespace pier::tls::test

namespace pier::tls::test {
namespace {

TEST_CASE("a session outlives the configuration generation it was accepted from") {
  config::TlsConfig cfg;
  cfg.certificates.push_back(inlineCert(pki().server({"example.com"})));
  cfg.options["custom"].alpn_protocols = {"http/1.1"};
  auto server = buildOk(cfg);
  Pair p;
  p.server = Session::accept(server->select("example.com", "custom"));
  p.client = Session::connect(trustingClient()->ctx(), "example.com", "example.com", {"http/1.1"});
  server.reset();  // reload: the old generation is gone before the ClientHello arrives
  p.pump();
  REQUIRE_MESSAGE(p.ok(), p.describe());
  CHECK(p.server->alpn() == "http/1.1");
  p.client->send("x");
  p.pump();
  CHECK(p.server_received == "x");
}

}  // namespace
}  // namespace pier::tls::test
