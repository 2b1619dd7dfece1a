#include <doctest/doctest.h>

#include "tls_test_support.h"

namespace pier::tls::test {
namespace {

std::shared_ptr<const ServerTls> exampleServer(const std::string& client_auth_type = "") {
  config::TlsConfig cfg;
  cfg.certificates.push_back(inlineCert(pki().server({"backend.internal"}, "backend")));
  if (!client_auth_type.empty()) {
    cfg.options["default"].client_auth = config::ClientAuth{{pki().ca.cert_pem}, client_auth_type};
  }
  return buildOk(cfg);
}

TEST_CASE("client verification: trusted CA and matching name pass") {
  auto server = exampleServer();
  auto client = trustingClient();
  CHECK(client->verifies());
  Pair p = handshake(server->select("backend.internal", "default"), client->ctx(),
                     "backend.internal", "backend.internal");
  CHECK_MESSAGE(p.ok(), p.describe());
}

TEST_CASE("client verification: unknown root CA fails") {
  auto server = exampleServer();
  ClientTlsSettings s;
  s.root_cas = {pki().other_ca.cert_pem};
  auto client = clientCtx(s);
  Pair p = handshake(server->select("backend.internal", "default"), client->ctx(),
                     "backend.internal", "backend.internal");
  CHECK(p.client_status == Session::Status::Error);
  CHECK(p.client->errorText().find("certificate verify failed") != std::string::npos);
}

TEST_CASE("client verification: wrong name fails, insecureSkipVerify passes") {
  auto server = exampleServer();
  Pair p = handshake(server->select("backend.internal", "default"), trustingClient()->ctx(),
                     "backend.internal", "other.internal");
  CHECK(p.client_status == Session::Status::Error);
  CHECK(p.client->errorText() == "certificate verify failed: name mismatch");

  ClientTlsSettings insecure;
  insecure.insecure_skip_verify = true;
  insecure.root_cas = {pki().other_ca.cert_pem};
  auto client = clientCtx(insecure);
  CHECK_FALSE(client->verifies());
  Pair q = handshake(server->select("backend.internal", "default"), client->ctx(),
                     "backend.internal", "other.internal");
  CHECK_MESSAGE(q.ok(), q.describe());
}

TEST_CASE("client: SNI omitted for IP literals") {
  auto server = exampleServer();
  ClientTlsSettings insecure;
  insecure.insecure_skip_verify = true;
  auto client = clientCtx(insecure);
  Pair p = handshake(server->select("", "default"), client->ctx(), "10.0.0.1");
  REQUIRE_MESSAGE(p.ok(), p.describe());
  CHECK(p.server->sni().empty());
  Pair q =
      handshake(server->select("backend.internal", "default"), client->ctx(), "backend.internal");
  REQUIRE_MESSAGE(q.ok(), q.describe());
  CHECK(q.server->sni() == "backend.internal");
}

TEST_CASE("mutual TLS to a backend with a client certificate") {
  auto server = exampleServer("RequireAndVerifyClientCert");
  TempDir dir;
  PemPair cert = pki().client("pier-proxy");
  ClientTlsSettings s;
  s.root_cas = {dir.write("ca.pem", pki().ca.cert_pem)};
  s.certificates.push_back({dir.write("c.pem", cert.cert_pem), dir.write("k.pem", cert.key_pem)});
  auto client = clientCtx(s);
  Pair p = handshake(server->select("backend.internal", "default"), client->ctx(),
                     "backend.internal", "backend.internal");
  REQUIRE_MESSAGE(p.ok(), p.describe());
  p.client->send("GET / HTTP/1.1\r\n\r\n");
  p.pump();
  CHECK(p.server_received == "GET / HTTP/1.1\r\n\r\n");
  auto peer = p.server->peerCertificatesPem();
  REQUIRE_FALSE(peer.empty());
  CHECK(peer.front() == cert.cert_pem);
  CHECK(peer.size() == 1);  // as sent: the CA is not appended
}

TEST_CASE("client context errors name the setting") {
  ClientTlsSettings s;
  s.root_cas = {"/nonexistent/ca.pem"};
  auto r = buildClientContext(s);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("rootCAs[0]") != std::string::npos);
  CHECK(r.error().message.find("/nonexistent/ca.pem") != std::string::npos);

  ClientTlsSettings c;
  c.insecure_skip_verify = true;
  PemPair a = pki().client("a");
  PemPair b = pki().client("b");
  c.certificates.push_back({a.cert_pem, b.key_pem});
  auto mismatch = buildClientContext(c);
  REQUIRE_FALSE(mismatch);
  CHECK(mismatch.error().message.find("does not match") != std::string::npos);

  ClientTlsSettings bad_cipher;
  bad_cipher.cipher_suites = {"TLS_NOPE"};
  auto bc = buildClientContext(bad_cipher);
  REQUIRE_FALSE(bc);
  CHECK(bc.error().message == "cipherSuites: unknown cipher suite \"TLS_NOPE\"");

  // System roots load when no rootCAs are given.
  ClientTlsSettings system;
  CHECK(buildClientContext(system));
}

}  // namespace
}  // namespace pier::tls::test
