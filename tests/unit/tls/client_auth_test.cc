#include <doctest/doctest.h>

#include "tls_test_support.h"

namespace pier::tls::test {
namespace {

enum class ClientCert { None, WrongCa, RightCa };

struct Case {
  const char* type;
  bool accepts_none;
  bool accepts_wrong_ca;
  bool accepts_right_ca;
  bool requests;
};

// Go's crypto/tls semantics for the five ClientAuthType values.
constexpr Case kCases[] = {
    {"NoClientCert", true, true, true, false},
    {"RequestClientCert", true, true, true, true},
    {"RequireAnyClientCert", false, true, true, true},
    {"VerifyClientCertIfGiven", true, false, true, true},
    {"RequireAndVerifyClientCert", false, false, true, true},
};

Pair connectWith(const ServerTls& server, const std::string& options, ClientCert which,
                 const std::string& max_version) {
  static const PemPair right = pki().client("right-client");
  static const PemPair wrong = pki().client("wrong-client", true);
  const PemPair* cert = which == ClientCert::RightCa   ? &right
                        : which == ClientCert::WrongCa ? &wrong
                                                       : nullptr;
  auto client = trustingClient(max_version, cert);
  Pair p =
      handshake(server.select("example.com", options), client->ctx(), "example.com", "example.com");
  // TLS 1.3 clients finish before the server judges their certificate: exchange data so the
  // server's verdict (an alert) reaches the client.
  if (p.ok()) {
    p.client->send("hello");
    p.pump();
  }
  return p;
}

TEST_CASE("clientAuth: the five Go modes against no / wrong-CA / right-CA client certificates") {
  config::TlsConfig cfg;
  cfg.certificates.push_back(inlineCert(pki().server({"example.com"})));
  for (const Case& c : kCases) {
    config::ClientAuth auth;
    auth.client_auth_type = c.type;
    auth.ca_files = {pki().ca.cert_pem};
    cfg.options[c.type].client_auth = auth;
  }
  auto server = buildOk(cfg);

  for (const char* version : {"", "VersionTLS12"}) {
    for (const Case& c : kCases) {
      for (ClientCert which : {ClientCert::None, ClientCert::WrongCa, ClientCert::RightCa}) {
        bool expect = which == ClientCert::None      ? c.accepts_none
                      : which == ClientCert::WrongCa ? c.accepts_wrong_ca
                                                     : c.accepts_right_ca;
        CAPTURE(version);
        CAPTURE(c.type);
        CAPTURE(static_cast<int>(which));
        Pair p = connectWith(*server, c.type, which, version);
        INFO(p.describe());
        CHECK(p.ok() == expect);
        if (expect) {
          CHECK(p.server_received == "hello");
          // The server sees the certificate only when it asked for one.
          bool sees_cert = c.requests && which != ClientCert::None;
          CHECK(p.server->peerCertificatesPem().empty() == !sees_cert);
        } else {
          CHECK(p.server_status == Session::Status::Error);
          CHECK(p.server_received.empty());
          if (which == ClientCert::None) {
            CHECK(p.server->errorText() == "peer did not present a certificate");
          }
        }
      }
    }
  }
}

TEST_CASE("clientAuth: caFiles without a type means RequireAndVerifyClientCert") {
  TempDir dir;
  config::TlsConfig cfg;
  cfg.certificates.push_back(inlineCert(pki().server({"example.com"})));
  config::ClientAuth auth;
  auth.ca_files = {dir.write("ca.pem", pki().ca.cert_pem)};
  cfg.options["mtls"].client_auth = auth;
  auto server = buildOk(cfg);
  CHECK(server->watchedFiles() == auth.ca_files);

  CHECK_FALSE(connectWith(*server, "mtls", ClientCert::None, "").ok());
  CHECK_FALSE(connectWith(*server, "mtls", ClientCert::WrongCa, "").ok());
  CHECK(connectWith(*server, "mtls", ClientCert::RightCa, "").ok());
}

}  // namespace
}  // namespace pier::tls::test
