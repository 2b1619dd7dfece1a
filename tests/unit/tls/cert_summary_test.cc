// ServerTls::certificateSummaries: what the traefik_tls_certs_not_after gauge is made of.
#include <doctest/doctest.h>

#include "tls/cert_fields.h"
#include "tls/pem.h"
#include "tls_test_support.h"

namespace pier::tls::test {
namespace {

TEST_CASE("certificate summaries: CN, decimal serial, sorted SANs, notAfter") {
  config::TlsConfig cfg;
  auto leaf = pki().server({"zeta.example.com", "alpha.example.com"}, "summary");
  cfg.certificates.push_back(inlineCert(leaf));
  auto server = buildOk(cfg);
  auto summaries = server->certificateSummaries();
  // The generated default certificate is left out, as Traefik does.
  REQUIRE(summaries.size() == 1);
  const auto& s = summaries[0];
  CHECK(s.common_name == "summary");
  CHECK(s.dns_names == std::vector<std::string>{"alpha.example.com", "zeta.example.com"});
  auto fields = certFields(leaf.cert_pem);
  REQUIRE(fields);
  CHECK(s.serial == fields->serial_decimal);
  CHECK(s.serial.find_first_not_of("0123456789") == std::string::npos);
  auto info = inspectLeaf(leaf.cert_pem);
  REQUIRE(info);
  CHECK(s.not_after == info->not_after);
  CHECK(s.not_after > 1700000000);
  CHECK(s.pem == leaf.cert_pem);  // what /api/certificates reads the details from
}

TEST_CASE("certificate summaries: a configured default certificate is included") {
  config::TlsConfig cfg;
  auto mine = pki().server({"fallback.example.com"}, "my default");
  cfg.stores["default"].default_certificate = config::CertificateFiles{mine.cert_pem, mine.key_pem};
  auto summaries = buildOk(cfg)->certificateSummaries();
  REQUIRE(summaries.size() == 1);
  CHECK(summaries[0].common_name == "my default");
}

}  // namespace
}  // namespace pier::tls::test
