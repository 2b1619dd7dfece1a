#include <doctest/doctest.h>

#include "tls/ticket_keys.h"
#include "tls_test_support.h"

namespace pier::tls::test {
namespace {

config::TlsConfig resumptionConfig() {
  static const PemPair cert = pki().server({"example.com"});
  config::TlsConfig cfg;
  cfg.certificates.push_back(inlineCert(cert));
  cfg.options["noticket"].disable_session_tickets = true;
  cfg.options["mtls"].client_auth =
      config::ClientAuth{{pki().ca.cert_pem}, "VerifyClientCertIfGiven"};
  return cfg;
}

// A full handshake, data both ways (so TLS 1.3 tickets arrive), then the saved session.
SavedSession firstConnection(WOLFSSL_CTX* server_ctx, WOLFSSL_CTX* client_ctx) {
  Pair p = handshake(server_ctx, client_ctx, "example.com", "example.com");
  REQUIRE_MESSAGE(p.ok(), p.describe());
  CHECK_FALSE(p.server->resumed());
  p.server->send("hi");
  p.client->send("hello");
  p.pump();
  CHECK(p.client_received == "hi");
  return p.client->saveSession();
}

bool resumes(WOLFSSL_CTX* server_ctx, WOLFSSL_CTX* client_ctx, const SavedSession& saved) {
  Pair p = handshake(server_ctx, client_ctx, "example.com", "example.com", {}, saved);
  REQUIRE_MESSAGE(p.ok(), p.describe());
  p.client->send("again");
  p.pump();
  CHECK(p.server_received == "again");
  CHECK(p.client->resumed() == p.server->resumed());
  return p.server->resumed();
}

TEST_CASE("session tickets resume TLS 1.3 and TLS 1.2; disableSessionTickets turns them off") {
  auto server = buildOk(resumptionConfig());
  for (const char* version : {"", "VersionTLS12"}) {
    CAPTURE(version);
    auto client = trustingClient(version);
    WOLFSSL_CTX* ctx = server->select("example.com", "default");
    SavedSession saved = firstConnection(ctx, client->ctx());
    REQUIRE(saved);
    CHECK(resumes(ctx, client->ctx(), saved));

    WOLFSSL_CTX* off = server->select("example.com", "noticket");
    SavedSession none = firstConnection(off, client->ctx());
    if (none) {
      CHECK_FALSE(resumes(off, client->ctx(), none));
    }
  }
}

TEST_CASE("a ticket resumes after a configuration rebuild but not under other TLS options") {
  auto server = buildOk(resumptionConfig());
  auto client = trustingClient();
  SavedSession saved = firstConnection(server->select("example.com", "default"), client->ctx());
  REQUIRE(saved);

  // A rebuilt generation (fresh contexts: no previous to reuse) still accepts the ticket.
  auto rebuilt = buildOk(resumptionConfig());
  CHECK(rebuilt->select("example.com", "default") != server->select("example.com", "default"));
  CHECK(resumes(rebuilt->select("example.com", "default"), client->ctx(), saved));

  // Options requiring client verification do not honour a ticket issued without it.
  CHECK_FALSE(resumes(server->select("example.com", "mtls"), client->ctx(), saved));
}

TEST_CASE("ticket keys rotate; the previous key still resumes, older ones do not") {
  auto server = buildOk(resumptionConfig());
  auto client = trustingClient();
  WOLFSSL_CTX* ctx = server->select("example.com", "default");
  SavedSession saved = firstConnection(ctx, client->ctx());
  REQUIRE(saved);
  advanceTicketClockForTesting(kTicketKeyRotation);
  CHECK(resumes(ctx, client->ctx(), saved));
  advanceTicketClockForTesting(kTicketKeyRotation);
  CHECK_FALSE(resumes(ctx, client->ctx(), saved));
}

}  // namespace
}  // namespace pier::tls::test
