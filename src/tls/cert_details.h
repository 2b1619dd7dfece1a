// What the API's /api/certificates shows about one certificate beyond cert_fields.h: the X.509
// version, the public key's type and size, the signature algorithm (Go's names, as Traefik
// prints them) and SHA-256 fingerprints of the certificate and of its public key.
// Thread: any; pure functions over wolfSSL's parser.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "tls/cert_fields.h"

namespace pier::tls {

struct CertDetails {
  CertFields fields;
  int version = 0;              // 3 for an X.509 v3 certificate (Go's Certificate.Version)
  std::string key_type;         // "RSA", "ECDSA" or "Unknown"
  int key_bits = 0;             // 0 when the type is unknown
  std::string signature;        // "SHA256-RSA", "ECDSA-SHA256", ... ("0" when unknown, as Go)
  std::string fingerprint;      // lowercase hex SHA-256 of the DER certificate
  std::string key_fingerprint;  // lowercase hex SHA-256 of the DER SubjectPublicKeyInfo
};

// One PEM certificate block (the first one of a chain).
Result<CertDetails> certDetails(std::string_view pem);

}  // namespace pier::tls
