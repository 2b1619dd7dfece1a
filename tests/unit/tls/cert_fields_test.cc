#include "tls/cert_fields.h"

#include <doctest/doctest.h>

#include <string>

#include "sample_cert.h"

namespace pier::tls {
namespace {

using test::kSampleCertPem;

TEST_CASE("certificate fields as Go's crypto/x509 reports them") {
  auto f = certFields(kSampleCertPem);
  REQUIRE_MESSAGE(f, (f ? "" : f.error().message));
  const DistinguishedName& s = f->subject;
  CHECK(s.domain_component == std::vector<std::string>{"org", "cheese"});
  CHECK(s.country == std::vector<std::string>{"FR", "US"});
  CHECK(s.province == std::vector<std::string>{"Cheese org state"});
  CHECK(s.locality == std::vector<std::string>{"TOULOUSE"});
  CHECK(s.organization == std::vector<std::string>{"Cheese", "Cheese 2"});
  CHECK(s.organizational_unit == std::vector<std::string>{"Simple Certificate"});
  CHECK(s.serial_number == "SN-42");
  CHECK(s.common_name == "*.example.com");
  CHECK(f->issuer.common_name == "*.example.com");  // self-signed
  CHECK(f->serial_decimal == "123456789012345678901234567890");
  CHECK(f->not_before == 1795877780);
  CHECK(f->not_after == 4949477780);
  CHECK(f->sans == std::vector<std::string>{"*.example.org", "*.example.net", "test@example.org",
                                            "10.0.1.0", "::1", "spiffe://example.org/x"});
}

TEST_CASE("the PEM body loses its armour and newlines") {
  std::string body = pemBody(kSampleCertPem);
  CHECK(body.find("-----") == std::string::npos);
  CHECK(body.find('\n') == std::string::npos);
  CHECK(body.rfind("MIID", 0) == 0);
}

TEST_CASE("garbage is an error") {
  CHECK_FALSE(certFields("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"));
}

}  // namespace
TEST_CASE("distinguished names as Go's pkix.Name.String() writes them") {
  auto f = certFields(kSampleCertPem);
  REQUIRE(f);
  CHECK(distinguishedNameText(f->subject) ==
        "SERIALNUMBER=SN-42,CN=*.example.com,OU=Simple Certificate,O=Cheese+O=Cheese 2,"
        "L=TOULOUSE,ST=Cheese org state,C=FR+C=US,DC=cheese,DC=org");
  DistinguishedName tricky;
  tricky.common_name = " a,b+c\"d;e<f> ";
  tricky.organization = {"#x"};
  CHECK(distinguishedNameText(tricky) == "CN=\\ a\\,b\\+c\\\"d\\;e\\<f\\>\\ ,O=\\#x");
}

}  // namespace pier::tls
