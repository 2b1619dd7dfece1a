// Certificate material as configured: each certFile/keyFile/caFile is either a path or the PEM
// text itself (Traefik's "file or content": text containing "-----BEGIN" is content).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace pier::tls {

struct PemText {
  std::string text;
  std::string label;  // the path, or "inline PEM" (what error messages name)
  bool from_file = false;
};

bool isInlinePem(std::string_view path_or_pem);

// Reads the file (when a path) and checks that it contains at least one PEM block.
Result<PemText> readPem(const std::string& path_or_pem);

// What the leaf (first) certificate of a PEM chain says about itself.
struct CertInfo {
  std::string common_name;
  std::vector<std::string> dns_names;  // subjectAltName DNS entries, lower-cased
  std::string serial_hex;
  std::int64_t not_after = 0;  // unix seconds
  // Names the certificate answers to for SNI: CN and DNS SANs, lower-cased, without duplicates.
  std::vector<std::string> sniNames() const;
};

Result<CertInfo> inspectLeaf(std::string_view chain_pem);

// True when the private key (PEM, any type wolfSSL reads) belongs to the chain's leaf: a test
// signature made with the key verifies with the certificate's public key.
bool privateKeyMatches(std::string_view chain_pem, std::string_view key_pem);

// DER certificate to PEM text.
std::string derToPemCertificate(const unsigned char* der, int len);

// The certificates of a PEM bundle, each as its own PEM block.
std::vector<std::string> splitCertificates(std::string_view pem);

}  // namespace pier::tls
