#include "tls/cert_gen.h"

#include <cstring>

#include "tls/wolfssl.h"

// clang-format off
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/random.h>
// clang-format on

namespace pier::tls {
namespace {

// Owns the wolfCrypt objects so every early return frees them.
struct Rng {
  WC_RNG rng{};
  bool ok = false;
  Rng() { ok = wc_InitRng(&rng) == 0; }
  ~Rng() {
    if (ok) {
      wc_FreeRng(&rng);
    }
  }
};

struct EccKey {
  ecc_key key{};
  bool ok = false;
  EccKey() { ok = wc_ecc_init(&key) == 0; }
  ~EccKey() {
    if (ok) {
      wc_ecc_free(&key);
    }
  }
};

// DER length prefix.
void appendLength(std::vector<unsigned char>& out, std::size_t len) {
  if (len < 0x80) {
    out.push_back(static_cast<unsigned char>(len));
  } else if (len < 0x100) {
    out.push_back(0x81);
    out.push_back(static_cast<unsigned char>(len));
  } else {
    out.push_back(0x82);
    out.push_back(static_cast<unsigned char>(len >> 8));
    out.push_back(static_cast<unsigned char>(len & 0xff));
  }
}

// GeneralNames ::= SEQUENCE OF [2] IA5String dNSName — the form Cert.altNames holds.
std::vector<unsigned char> encodeDnsNames(const std::vector<std::string>& names) {
  std::vector<unsigned char> body;
  for (const std::string& n : names) {
    body.push_back(0x82);
    appendLength(body, n.size());
    body.insert(body.end(), n.begin(), n.end());
  }
  std::vector<unsigned char> out{0x30};
  appendLength(out, body.size());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

Result<std::string> derToPem(const std::vector<unsigned char>& der, int der_len, int type) {
  std::vector<unsigned char> pem(static_cast<std::size_t>(der_len) * 2 + 256);
  int n = wc_DerToPem(der.data(), static_cast<word32>(der_len), pem.data(),
                      static_cast<word32>(pem.size()), type);
  if (n <= 0) {
    return fail(Error::internal("DER to PEM failed: " + errorString(n)));
  }
  return std::string(reinterpret_cast<const char*>(pem.data()), static_cast<std::size_t>(n));
}

Result<std::vector<unsigned char>> pemToDer(const std::string& pem, int type) {
  std::vector<unsigned char> der(pem.size());
  int n = type == CERT_TYPE ? wc_CertPemToDer(reinterpret_cast<const unsigned char*>(pem.data()),
                                              static_cast<int>(pem.size()), der.data(),
                                              static_cast<int>(der.size()), CERT_TYPE)
                            : wc_KeyPemToDer(reinterpret_cast<const unsigned char*>(pem.data()),
                                             static_cast<int>(pem.size()), der.data(),
                                             static_cast<int>(der.size()), nullptr);
  if (n <= 0) {
    return fail(Error::config("cannot decode PEM: " + errorString(n)));
  }
  der.resize(static_cast<std::size_t>(n));
  return der;
}

void copyName(char* dst, const std::string& src) {
  std::size_t n = std::min(src.size(), static_cast<std::size_t>(CTC_NAME_SIZE - 1));
  std::memcpy(dst, src.data(), n);
  dst[n] = '\0';
}

}  // namespace

Result<PemPair> generateCertificate(const CertRequest& req, const PemPair* issuer) {
  initOnce();
  Rng rng;
  EccKey key;
  EccKey issuer_key;
  if (!rng.ok || !key.ok || !issuer_key.ok) {
    return fail(Error::internal("wolfCrypt init failed"));
  }
  if (int rc = wc_ecc_make_key_ex(&rng.rng, 32, &key.key, ECC_SECP256R1); rc != 0) {
    return fail(Error::internal("ECC key generation failed: " + errorString(rc)));
  }

  Cert cert;
  wc_InitCert(&cert);
  cert.daysValid = req.days_valid;
  cert.sigType = CTC_SHA256wECDSA;
  cert.isCA = req.is_ca ? 1 : 0;
  copyName(cert.subject.commonName, req.common_name);
  copyName(cert.subject.org, "Pier");
  if (!req.dns_names.empty()) {
    std::vector<unsigned char> alt = encodeDnsNames(req.dns_names);
    if (alt.size() > sizeof cert.altNames) {
      return fail(Error::config("too many subject alternative names"));
    }
    std::memcpy(cert.altNames, alt.data(), alt.size());
    cert.altNamesSz = static_cast<int>(alt.size());
  }
  wc_SetSubjectKeyIdFromPublicKey_ex(&cert, ECC_TYPE, &key.key);
  if (req.is_ca) {
    wc_SetKeyUsage(&cert, "keyCertSign,cRLSign,digitalSignature");
  } else {
    wc_SetKeyUsage(&cert, "digitalSignature,keyEncipherment");
    std::string eku;
    if (req.server_auth) {
      eku = "serverAuth";
    }
    if (req.client_auth) {
      eku += eku.empty() ? "clientAuth" : ",clientAuth";
    }
    if (!eku.empty()) {
      wc_SetExtKeyUsage(&cert, eku.c_str());
    }
  }

  ecc_key* signer = &key.key;
  if (issuer != nullptr) {
    auto issuer_der = pemToDer(issuer->cert_pem, CERT_TYPE);
    if (!issuer_der) {
      return fail(issuer_der.error());
    }
    if (int rc =
            wc_SetIssuerBuffer(&cert, issuer_der->data(), static_cast<int>(issuer_der->size()));
        rc != 0) {
      return fail(Error::config("issuer certificate: " + errorString(rc)));
    }
    wc_SetAuthKeyIdFromCert(&cert, issuer_der->data(), static_cast<int>(issuer_der->size()));
    auto key_der = pemToDer(issuer->key_pem, PRIVATEKEY_TYPE);
    if (!key_der) {
      return fail(key_der.error());
    }
    word32 idx = 0;
    if (int rc = wc_EccPrivateKeyDecode(key_der->data(), &idx, &issuer_key.key,
                                        static_cast<word32>(key_der->size()));
        rc != 0) {
      return fail(Error::config("issuer key is not an EC key: " + errorString(rc)));
    }
    signer = &issuer_key.key;
  } else {
    wc_SetAuthKeyIdFromPublicKey_ex(&cert, ECC_TYPE, &key.key);
  }

  std::vector<unsigned char> der(8192);
  int body = wc_MakeCert_ex(&cert, der.data(), static_cast<word32>(der.size()), ECC_TYPE, &key.key,
                            &rng.rng);
  if (body < 0) {
    return fail(Error::internal("certificate encoding failed: " + errorString(body)));
  }
  int der_len = wc_SignCert_ex(cert.bodySz, cert.sigType, der.data(),
                               static_cast<word32>(der.size()), ECC_TYPE, signer, &rng.rng);
  if (der_len < 0) {
    return fail(Error::internal("certificate signing failed: " + errorString(der_len)));
  }
  PemPair out;
  auto cert_pem = derToPem(der, der_len, CERT_TYPE);
  if (!cert_pem) {
    return fail(cert_pem.error());
  }
  out.cert_pem = std::move(*cert_pem);

  std::vector<unsigned char> key_der(512);
  int key_len = wc_EccKeyToDer(&key.key, key_der.data(), static_cast<word32>(key_der.size()));
  if (key_len < 0) {
    return fail(Error::internal("key encoding failed: " + errorString(key_len)));
  }
  auto key_pem = derToPem(key_der, key_len, ECC_PRIVATEKEY_TYPE);
  if (!key_pem) {
    return fail(key_pem.error());
  }
  out.key_pem = std::move(*key_pem);
  return out;
}

}  // namespace pier::tls
