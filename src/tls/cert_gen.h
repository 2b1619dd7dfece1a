// Self-signed and CA-signed ECDSA P-256 certificates made with wolfCrypt: the generated default
// certificate, and test fixtures (tests/support/certs).
#pragma once

#include <string>
#include <vector>

#include "base/result.h"

namespace pier::tls {

struct CertRequest {
  std::string common_name;
  std::vector<std::string> dns_names;  // subjectAltName DNS entries
  bool is_ca = false;
  int days_valid = 365;
  bool server_auth = true;  // extended key usage
  bool client_auth = false;
};

struct PemPair {
  std::string cert_pem;
  std::string key_pem;  // "EC PRIVATE KEY"
};

// Signed by `issuer` (its cert and key), or self-signed when `issuer` is null.
Result<PemPair> generateCertificate(const CertRequest& req, const PemPair* issuer);

}  // namespace pier::tls
