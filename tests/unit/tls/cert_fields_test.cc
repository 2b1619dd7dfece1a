#include "tls/cert_fields.h"

#include <doctest/doctest.h>

#include <string>

namespace pier::tls {
namespace {

// Self-signed, made with the openssl CLI: every subject attribute passTLSClientCert reads, and
// one SAN of each kind. Valid for 100 years.
const char* kPem =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIDezCCAyGgAwIBAgINAY7pD/bDc+DuTj8K0jAKBggqhkjOPQQDAjCB3jETMBEG\n"
    "CgmSJomT8ixkARkWA29yZzEWMBQGCgmSJomT8ixkARkWBmNoZWVzZTELMAkGA1UE\n"
    "BhMCRlIxCzAJBgNVBAYTAlVTMRkwFwYDVQQIDBBDaGVlc2Ugb3JnIHN0YXRlMREw\n"
    "DwYDVQQHDAhUT1VMT1VTRTEPMA0GA1UECgwGQ2hlZXNlMREwDwYDVQQKDAhDaGVl\n"
    "c2UgMjEbMBkGA1UECwwSU2ltcGxlIENlcnRpZmljYXRlMRYwFAYDVQQDDA0qLmV4\n"
    "YW1wbGUuY29tMQ4wDAYDVQQFEwVTTi00MjAgFw0yNjExMjgxNDU2MjBaGA8yMTI2\n"
    "MTEwNDE0NTYyMFowgd4xEzARBgoJkiaJk/IsZAEZFgNvcmcxFjAUBgoJkiaJk/Is\n"
    "ZAEZFgZjaGVlc2UxCzAJBgNVBAYTAkZSMQswCQYDVQQGEwJVUzEZMBcGA1UECAwQ\n"
    "Q2hlZXNlIG9yZyBzdGF0ZTERMA8GA1UEBwwIVE9VTE9VU0UxDzANBgNVBAoMBkNo\n"
    "ZWVzZTERMA8GA1UECgwIQ2hlZXNlIDIxGzAZBgNVBAsMElNpbXBsZSBDZXJ0aWZp\n"
    "Y2F0ZTEWMBQGA1UEAwwNKi5leGFtcGxlLmNvbTEOMAwGA1UEBRMFU04tNDIwWTAT\n"
    "BgcqhkjOPQIBBggqhkjOPQMBBwNCAARkrmpjqbC/QPLR1dt4ja1UcHMon78PXKh0\n"
    "wzZ7QPpqAxJlrC+02f7EINvZskFjrKSuULCs9pcC4eYT1WAW9OROo4G/MIG8MB0G\n"
    "A1UdDgQWBBTs1FfYU+MGPLem6HrpMgFx0bvmMTAfBgNVHSMEGDAWgBTs1FfYU+MG\n"
    "PLem6HrpMgFx0bvmMTAPBgNVHRMBAf8EBTADAQH/MGkGA1UdEQRiMGCCDSouZXhh\n"
    "bXBsZS5vcmeCDSouZXhhbXBsZS5uZXSBEHRlc3RAZXhhbXBsZS5vcmeHBAoAAQCH\n"
    "EAAAAAAAAAAAAAAAAAAAAAGGFnNwaWZmZTovL2V4YW1wbGUub3JnL3gwCgYIKoZI\n"
    "zj0EAwIDSAAwRQIgG6KzMOjfGZih1MJa9syXK403/xO/YU3AO6vLR6VyIB0CIQCq\n"
    "dG23VS0eM/x2uT3FQeJdSqp/A/JCBURSmqZbPsPe7g==\n"
    "-----END CERTIFICATE-----\n";

TEST_CASE("certificate fields as Go's crypto/x509 reports them") {
  auto f = certFields(kPem);
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
  std::string body = pemBody(kPem);
  CHECK(body.find("-----") == std::string::npos);
  CHECK(body.find('\n') == std::string::npos);
  CHECK(body.rfind("MIID", 0) == 0);
}

TEST_CASE("garbage is an error") {
  CHECK_FALSE(certFields("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"));
}

}  // namespace
}  // namespace pier::tls
