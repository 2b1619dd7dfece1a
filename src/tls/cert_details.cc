#include "tls/cert_details.h"

#include <memory>

#include "tls/wolfssl.h"

#include <wolfssl/openssl/evp.h>
#include <wolfssl/wolfcrypt/hash.h>

namespace pier::tls {
namespace {

struct X509Free {
  void operator()(WOLFSSL_X509* x) const { wolfSSL_X509_free(x); }
};
struct PkeyFree {
  void operator()(WOLFSSL_EVP_PKEY* k) const { wolfSSL_EVP_PKEY_free(k); }
};

std::string sha256Hex(const unsigned char* data, int len) {
  unsigned char digest[32] = {};
  if (data == nullptr || len <= 0 || wc_Sha256Hash(data, static_cast<word32>(len), digest) != 0) {
    return {};
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : digest) {
    out += kHex[b >> 4];
    out += kHex[b & 0xf];
  }
  return out;
}

// Go's x509.SignatureAlgorithm.String() for the algorithms it knows.
std::string signatureName(int nid) {
  switch (nid) {
    case NID_md2WithRSAEncryption:
      return "MD2-RSA";
    case NID_md5WithRSAEncryption:
      return "MD5-RSA";
    case NID_sha1WithRSAEncryption:
      return "SHA1-RSA";
    case NID_sha256WithRSAEncryption:
      return "SHA256-RSA";
    case NID_sha384WithRSAEncryption:
      return "SHA384-RSA";
    case NID_sha512WithRSAEncryption:
      return "SHA512-RSA";
    case NID_dsaWithSHA1:
      return "DSA-SHA1";
    case NID_dsa_with_SHA256:
      return "DSA-SHA256";
    case NID_ecdsa_with_SHA1:
      return "ECDSA-SHA1";
    case NID_ecdsa_with_SHA256:
      return "ECDSA-SHA256";
    case NID_ecdsa_with_SHA384:
      return "ECDSA-SHA384";
    case NID_ecdsa_with_SHA512:
      return "ECDSA-SHA512";
    case NID_ED25519:
      return "Ed25519";
    default:
      return "0";  // Go prints an unknown algorithm as its number, 0
  }
}

}  // namespace

Result<CertDetails> certDetails(std::string_view pem) {
  auto fields = certFields(pem);
  if (!fields) {
    return fail(fields.error());
  }
  std::unique_ptr<WOLFSSL_X509, X509Free> x509(
      wolfSSL_X509_load_certificate_buffer(reinterpret_cast<const unsigned char*>(pem.data()),
                                           static_cast<int>(pem.size()), WOLFSSL_FILETYPE_PEM));
  if (!x509) {
    return fail(Error::config("cannot parse the certificate"));
  }
  CertDetails d;
  d.fields = std::move(*fields);
  // wolfSSL counts versions from 0 as OpenSSL does (2 is v3).
  d.version = static_cast<int>(wolfSSL_X509_get_version(x509.get())) + 1;
  d.signature = signatureName(wolfSSL_X509_get_signature_nid(x509.get()));
  int der_len = 0;
  const unsigned char* der = wolfSSL_X509_get_der(x509.get(), &der_len);
  d.fingerprint = sha256Hex(der, der_len);
  d.key_type = "Unknown";
  std::unique_ptr<WOLFSSL_EVP_PKEY, PkeyFree> key(wolfSSL_X509_get_pubkey(x509.get()));
  if (key) {
    int type = wolfSSL_EVP_PKEY_base_id(key.get());
    if (type == EVP_PKEY_RSA || type == EVP_PKEY_EC) {
      d.key_type = type == EVP_PKEY_RSA ? "RSA" : "ECDSA";
      d.key_bits = wolfSSL_EVP_PKEY_bits(key.get());
    }
    unsigned char* spki = nullptr;
    int spki_len = wolfSSL_i2d_PUBKEY(key.get(), &spki);
    if (spki_len > 0 && spki != nullptr) {
      d.key_fingerprint = sha256Hex(spki, spki_len);
      XFREE(spki, nullptr, DYNAMIC_TYPE_OPENSSL);
    }
  }
  return d;
}

}  // namespace pier::tls
