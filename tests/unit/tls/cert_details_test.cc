// certDetails: the extra certificate facts /api/certificates shows (values checked against the
// openssl CLI on the same certificate).
#include "tls/cert_details.h"

#include <doctest/doctest.h>

#include "sample_cert.h"

namespace pier::tls {
namespace {

TEST_CASE("certificate details: version, key, signature and fingerprints") {
  auto d = certDetails(test::kSampleCertPem);
  REQUIRE_MESSAGE(d, (d ? "" : d.error().message));
  CHECK(d->version == 3);
  CHECK(d->key_type == "ECDSA");
  CHECK(d->key_bits == 256);
  CHECK(d->signature == "ECDSA-SHA256");
  // openssl x509 -noout -fingerprint -sha256
  CHECK(d->fingerprint == "2a53af067ff9ec0df45c90ccd7979a1ca74d6b656352bf95cf92bd79a2150664");
  // openssl x509 -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum
  CHECK(d->key_fingerprint == "7b2dd75a5b30b0da3dadd64d8fd817beef34ba0d8214108a4984a595eabf6ccb");
  CHECK(d->fields.subject.common_name == "*.example.com");
}

TEST_CASE("certificate details: text that is no certificate is an error") {
  CHECK_FALSE(certDetails("not a certificate"));
}

}  // namespace
}  // namespace pier::tls
