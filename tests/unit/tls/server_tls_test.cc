#include <doctest/doctest.h>

#include <algorithm>

#include "tls/pem.h"
#include "tls_test_support.h"

namespace pier::tls::test {
namespace {

// Common name of the certificate the server presents for this SNI, seen through a handshake.
std::string presentedCn(const ServerTls& server, std::string_view sni,
                        std::string_view options = "default") {
  WOLFSSL_CTX* ctx = server.select(sni, options);
  if (ctx == nullptr) {
    return "<refused>";
  }
  ClientTlsSettings s;
  s.insecure_skip_verify = true;
  auto client = clientCtx(s);
  Pair p = handshake(ctx, client->ctx(), sni);
  REQUIRE_MESSAGE(p.ok(), p.describe());
  auto chain = p.client->peerCertificatesPem();
  REQUIRE_FALSE(chain.empty());
  auto info = inspectLeaf(chain.front());
  REQUIRE(info);
  return info->common_name;
}

bool contains(const std::vector<std::string>& v, const std::string& needle) {
  return std::any_of(v.begin(), v.end(),
                     [&](const std::string& s) { return s.find(needle) != std::string::npos; });
}

TEST_CASE("SNI selects exact, then wildcard, then the default certificate") {
  config::TlsConfig cfg;
  cfg.certificates.push_back(inlineCert(pki().server({"*.example.com"}, "wildcard")));
  cfg.certificates.push_back(inlineCert(pki().server({"a.example.com"}, "exact-a")));
  cfg.certificates.push_back(inlineCert(pki().server({"other.org", "www.other.org"}, "other")));
  cfg.options["strict"].sni_strict = true;
  auto server = buildOk(cfg);

  CHECK(presentedCn(*server, "a.example.com") == "exact-a");
  CHECK(presentedCn(*server, "A.Example.COM") == "exact-a");
  CHECK(presentedCn(*server, "b.example.com") == "wildcard");
  CHECK(presentedCn(*server, "www.other.org") == "other");
  CHECK(presentedCn(*server, "x.b.example.com") == "TRAEFIK DEFAULT CERT");  // one label only
  CHECK(presentedCn(*server, "example.com") == "TRAEFIK DEFAULT CERT");
  CHECK(presentedCn(*server, "") == "TRAEFIK DEFAULT CERT");
  // Unknown options name: the default options.
  CHECK(presentedCn(*server, "a.example.com", "nope") == "exact-a");

  SUBCASE("sniStrict refuses unknown names and missing SNI") {
    CHECK(server->select("unknown.net", "strict") == nullptr);
    CHECK(server->select("", "strict") == nullptr);
    CHECK(server->select("x.b.example.com", "strict") == nullptr);
    CHECK(presentedCn(*server, "b.example.com", "strict") == "wildcard");
    CHECK(presentedCn(*server, "a.example.com", "strict") == "exact-a");
  }
}

TEST_CASE("names come from DNS SANs and the CN") {
  config::TlsConfig cfg;
  cfg.certificates.push_back(inlineCert(pki().server({}, "cn-only.example.com")));
  cfg.certificates.push_back(inlineCert(pki().server({"san.example.com"}, "label")));
  auto server = buildOk(cfg);
  CHECK(presentedCn(*server, "cn-only.example.com") == "cn-only.example.com");
  CHECK(presentedCn(*server, "san.example.com") == "label");
}

TEST_CASE("generated default certificate is kept across rebuilds; a configured one wins") {
  config::TlsConfig empty;
  auto first = buildOk(empty);
  auto second = buildOk(empty, first.get());
  auto third = buildOk(empty);
  std::string pem = first->certificatePemFor("anything");
  CHECK(pem.find("BEGIN CERTIFICATE") != std::string::npos);
  CHECK(second->certificatePemFor("x") == pem);
  CHECK(third->certificatePemFor("x") == pem);
  auto info = inspectLeaf(pem);
  REQUIRE(info);
  CHECK(info->common_name == "TRAEFIK DEFAULT CERT");
  REQUIRE(info->dns_names.size() == 1);
  CHECK(info->dns_names[0].size() == 32 + 1 + 32 + 1 + std::string("traefik.default").size());

  config::TlsConfig with_default;
  auto mine = pki().server({"fallback.example.com"}, "my default");
  with_default.stores["default"].default_certificate =
      config::CertificateFiles{mine.cert_pem, mine.key_pem};
  auto server = buildOk(with_default);
  CHECK(presentedCn(*server, "whatever.net") == "my default");
  auto after = server->certificatesNotAfter();
  REQUIRE(after.size() == 1);
  CHECK(after[0].first == "my default");
  CHECK(after[0].second > 1700000000);
}

TEST_CASE("bad certificates are reported by path and skipped; the rest loads") {
  TempDir dir;
  auto good = pki().server({"good.example.com"}, "good");
  auto other = pki().server({"bad.example.com"}, "bad");
  std::string good_cert = dir.write("good.pem", good.cert_pem);
  std::string good_key = dir.write("good-key.pem", good.key_pem);
  std::string bad_cert = dir.write("bad.pem", other.cert_pem);
  std::string garbage = dir.write("garbage.pem", "-----BEGIN CERTIFICATE-----\nnot base64\n");

  config::TlsConfig cfg;
  cfg.certificates.push_back({good_cert, good_key, {}});
  cfg.certificates.push_back({bad_cert, good_key, {}});  // key of another certificate
  cfg.certificates.push_back({"/nonexistent/cert.pem", good_key, {}});
  cfg.certificates.push_back({garbage, good_key, {}});
  cfg.certificates.push_back({good_cert, good_key, {"internal"}});
  auto r = ServerTls::build(cfg, nullptr);
  REQUIRE(r.errors.size() == 4);
  CHECK(r.errors[0].find(bad_cert) != std::string::npos);
  CHECK(r.errors[0].find(good_key) != std::string::npos);
  CHECK(r.errors[0].find("does not match") != std::string::npos);
  CHECK(r.errors[1].find("/nonexistent/cert.pem") != std::string::npos);
  CHECK(r.errors[2].find(garbage) != std::string::npos);
  CHECK(r.errors[3].find("stores") != std::string::npos);
  CHECK(presentedCn(*r.tls, "good.example.com") == "good");
  CHECK(presentedCn(*r.tls, "bad.example.com") == "TRAEFIK DEFAULT CERT");

  auto watched = r.tls->watchedFiles();
  CHECK(contains(watched, good_cert));
  CHECK(contains(watched, bad_cert));
  CHECK(contains(watched, "/nonexistent/cert.pem"));
  CHECK_FALSE(contains(watched, "BEGIN"));
}

TEST_CASE("invalid TLS options are reported by name and refused, others stay in force") {
  config::TlsConfig cfg;
  cfg.certificates.push_back(inlineCert(pki().server({"example.com"})));
  cfg.options["badcipher"].cipher_suites = {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_MADE_UP"};
  cfg.options["badcurve"].curve_preferences = {"CurveP256", "P-999"};
  cfg.options["badauth"].client_auth = config::ClientAuth{{}, "VerifyClientCertIfGiven"};
  cfg.options["badauth2"].client_auth = config::ClientAuth{{}, "RequireAndVerifyClientCert"};
  cfg.options["badtype"].client_auth = config::ClientAuth{{pki().ca.cert_pem}, "Sometimes"};
  cfg.options["badca"].client_auth = config::ClientAuth{{"/nonexistent/ca.pem"}, ""};
  cfg.options["good"].cipher_suites = {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
                                       "TLS_AES_128_GCM_SHA256"};
  cfg.options["good"].curve_preferences = {"CurveP384", "x25519", "secp256r1"};
  cfg.options["good"].max_version = "VersionTLS12";
  auto r = ServerTls::build(cfg, nullptr);
  REQUIRE(r.errors.size() == 6);
  std::string all;
  for (const auto& e : r.errors) {
    all += e + "\n";
  }
  CHECK(all.find("TLS options \"badcipher\": cipherSuites: unknown cipher suite \"TLS_MADE_UP\"") !=
        std::string::npos);
  CHECK(all.find("TLS options \"badcurve\": curvePreferences: unknown curve \"P-999\"") !=
        std::string::npos);
  CHECK(all.find("\"badauth\": clientAuth: VerifyClientCertIfGiven needs clientAuth.caFiles") !=
        std::string::npos);
  CHECK(all.find("\"badauth2\"") != std::string::npos);
  CHECK(all.find("\"badtype\": clientAuth.clientAuthType: unknown type \"Sometimes\"") !=
        std::string::npos);
  CHECK(all.find("\"badca\": clientAuth.caFiles[0]") != std::string::npos);
  for (const char* bad : {"badcipher", "badcurve", "badauth", "badauth2", "badtype", "badca"}) {
    CHECK_FALSE(r.tls->hasOptions(bad));
    CHECK(r.tls->optionsInvalid(bad));
    CHECK(r.tls->select("example.com", bad) == nullptr);
  }
  CHECK(r.tls->hasOptions("default"));
  CHECK(r.tls->hasOptions("good"));
  CHECK_FALSE(r.tls->hasOptions("missing"));
  CHECK(r.tls->select("example.com", "missing") != nullptr);

  // cipherSuites limits TLS 1.2 negotiation; curvePreferences accepted.
  Pair p = handshake(r.tls->select("example.com", "good"), trustingClient()->ctx(), "example.com");
  REQUIRE_MESSAGE(p.ok(), p.describe());
  CHECK(p.server->version() == "TLSv1.2");
  CHECK(p.server->cipher() == "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
}

TEST_CASE("rebuild reuses contexts whose inputs did not change") {
  config::TlsConfig cfg;
  cfg.certificates.push_back(inlineCert(pki().server({"a.example.com"})));
  cfg.options["x"].min_version = "VersionTLS13";
  auto first = buildOk(cfg);
  auto same = buildOk(cfg, first.get());
  CHECK(same->select("a.example.com", "default") == first->select("a.example.com", "default"));
  CHECK(same->select("a.example.com", "x") == first->select("a.example.com", "x"));

  config::TlsConfig changed = cfg;
  changed.options["x"].min_version = "VersionTLS12";
  auto next = buildOk(changed, first.get());
  CHECK(next->select("a.example.com", "default") == first->select("a.example.com", "default"));
  CHECK(next->select("a.example.com", "x") != first->select("a.example.com", "x"));
}

}  // namespace
}  // namespace pier::tls::test
