// A test PKI made with wolfCrypt for the TLS unit tests: a CA, server and client certificates
// signed by it, and an unrelated CA. (Integration tests make theirs with the openssl CLI,
// tests/integration/certs.py.)
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "tls/cert_gen.h"

namespace pier::testing {

struct TestPki {
  tls::PemPair ca;
  tls::PemPair other_ca;

  TestPki()
      : ca(make({"Pier Test CA", {}, true}, nullptr)),
        other_ca(make({"Unrelated Test CA", {}, true}, nullptr)) {}

  tls::PemPair server(const std::vector<std::string>& dns_names, const std::string& cn = "") const {
    tls::CertRequest r;
    r.common_name = cn;
    r.dns_names = dns_names;
    return make(r, &ca);
  }

  tls::PemPair client(const std::string& cn, bool from_other_ca = false) const {
    tls::CertRequest r;
    r.common_name = cn;
    r.server_auth = false;
    r.client_auth = true;
    return make(r, from_other_ca ? &other_ca : &ca);
  }

  static tls::PemPair make(const tls::CertRequest& r, const tls::PemPair* issuer) {
    auto p = tls::generateCertificate(r, issuer);
    if (!p) {
      throw std::runtime_error("certificate generation failed: " + p.error().message);
    }
    return *p;
  }
};

}  // namespace pier::testing
