#include "tls/pem.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <fstream>
#include <sstream>

#include "tls/wolfssl.h"

namespace pier::tls {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

struct X509Free {
  void operator()(WOLFSSL_X509* x) const { wolfSSL_X509_free(x); }
};

struct PkeyFree {
  void operator()(WOLFSSL_EVP_PKEY* k) const { wolfSSL_EVP_PKEY_free(k); }
};
struct BioFree {
  void operator()(WOLFSSL_BIO* b) const { wolfSSL_BIO_free(b); }
};
struct MdCtxFree {
  void operator()(WOLFSSL_EVP_MD_CTX* c) const { wolfSSL_EVP_MD_CTX_free(c); }
};

}  // namespace

bool privateKeyMatches(std::string_view chain_pem, std::string_view key_pem) {
  std::vector<std::string> certs = splitCertificates(chain_pem);
  if (certs.empty()) {
    return false;
  }
  std::unique_ptr<WOLFSSL_X509, X509Free> x509(wolfSSL_X509_load_certificate_buffer(
      reinterpret_cast<const unsigned char*>(certs[0].data()), static_cast<int>(certs[0].size()),
      WOLFSSL_FILETYPE_PEM));
  std::unique_ptr<WOLFSSL_BIO, BioFree> bio(
      wolfSSL_BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())));
  if (!x509 || !bio) {
    return false;
  }
  std::unique_ptr<WOLFSSL_EVP_PKEY, PkeyFree> priv(
      wolfSSL_PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  std::unique_ptr<WOLFSSL_EVP_PKEY, PkeyFree> pub(wolfSSL_X509_get_pubkey(x509.get()));
  if (!priv || !pub) {
    return false;
  }
  static constexpr unsigned char kProbe[] = "pier key/certificate match probe";
  std::unique_ptr<WOLFSSL_EVP_MD_CTX, MdCtxFree> sign(wolfSSL_EVP_MD_CTX_new());
  std::unique_ptr<WOLFSSL_EVP_MD_CTX, MdCtxFree> verify(wolfSSL_EVP_MD_CTX_new());
  if (!sign || !verify) {
    return false;
  }
  std::vector<unsigned char> sig(1024);
  size_t sig_len = sig.size();
  if (wolfSSL_EVP_DigestSignInit(sign.get(), nullptr, wolfSSL_EVP_sha256(), nullptr, priv.get()) !=
          WOLFSSL_SUCCESS ||
      wolfSSL_EVP_DigestSignUpdate(sign.get(), kProbe, sizeof kProbe) != WOLFSSL_SUCCESS ||
      wolfSSL_EVP_DigestSignFinal(sign.get(), sig.data(), &sig_len) != WOLFSSL_SUCCESS) {
    return false;
  }
  return wolfSSL_EVP_DigestVerifyInit(verify.get(), nullptr, wolfSSL_EVP_sha256(), nullptr,
                                      pub.get()) == WOLFSSL_SUCCESS &&
         wolfSSL_EVP_DigestVerifyUpdate(verify.get(), kProbe, sizeof kProbe) == WOLFSSL_SUCCESS &&
         wolfSSL_EVP_DigestVerifyFinal(verify.get(), sig.data(), sig_len) == WOLFSSL_SUCCESS;
}

std::string derToPemCertificate(const unsigned char* der, int len) {
  if (der == nullptr || len <= 0) {
    return {};
  }
  std::unique_ptr<WOLFSSL_X509, X509Free> x509(
      wolfSSL_X509_load_certificate_buffer(der, len, WOLFSSL_FILETYPE_ASN1));
  if (!x509) {
    return {};
  }
  std::unique_ptr<WOLFSSL_BIO, BioFree> bio(wolfSSL_BIO_new(wolfSSL_BIO_s_mem()));
  if (!bio || wolfSSL_PEM_write_bio_X509(bio.get(), x509.get()) != WOLFSSL_SUCCESS) {
    return {};
  }
  char* data = nullptr;
  long n = wolfSSL_BIO_get_mem_data(bio.get(), &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

bool isInlinePem(std::string_view path_or_pem) {
  return path_or_pem.find("-----BEGIN") != std::string_view::npos;
}

Result<PemText> readPem(const std::string& path_or_pem) {
  PemText out;
  if (isInlinePem(path_or_pem)) {
    out.text = path_or_pem;
    out.label = "inline PEM";
  } else {
    out.label = path_or_pem;
    out.from_file = true;
    if (path_or_pem.empty()) {
      return fail(Error::config("empty path"));
    }
    std::ifstream in(path_or_pem, std::ios::binary);
    if (!in) {
      return fail(Error::config("\"" + path_or_pem + "\": cannot read file"));
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    out.text = ss.str();
    if (!isInlinePem(out.text)) {
      return fail(Error::config("\"" + path_or_pem + "\": no PEM block in file"));
    }
  }
  return out;
}

std::vector<std::string> splitCertificates(std::string_view pem) {
  static constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
  static constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  std::vector<std::string> out;
  std::size_t pos = 0;
  while ((pos = pem.find(kBegin, pos)) != std::string_view::npos) {
    std::size_t end = pem.find(kEnd, pos);
    if (end == std::string_view::npos) {
      break;
    }
    end += kEnd.size();
    out.emplace_back(pem.substr(pos, end - pos));
    out.back() += '\n';
    pos = end;
  }
  return out;
}

std::vector<std::string> CertInfo::sniNames() const {
  std::vector<std::string> names;
  if (!common_name.empty()) {
    names.push_back(lower(common_name));
  }
  for (const std::string& n : dns_names) {
    if (std::find(names.begin(), names.end(), n) == names.end()) {
      names.push_back(n);
    }
  }
  return names;
}

Result<CertInfo> inspectLeaf(std::string_view chain_pem) {
  std::vector<std::string> certs = splitCertificates(chain_pem);
  if (certs.empty()) {
    return fail(Error::config("no CERTIFICATE block"));
  }
  std::unique_ptr<WOLFSSL_X509, X509Free> x509(wolfSSL_X509_load_certificate_buffer(
      reinterpret_cast<const unsigned char*>(certs[0].data()), static_cast<int>(certs[0].size()),
      WOLFSSL_FILETYPE_PEM));
  if (!x509) {
    return fail(Error::config("cannot parse the certificate"));
  }
  CertInfo info;
  if (WOLFSSL_X509_NAME* subject = wolfSSL_X509_get_subject_name(x509.get())) {
    char cn[256] = {};
    int n = wolfSSL_X509_NAME_get_text_by_NID(subject, NID_commonName, cn, sizeof cn);
    if (n > 0) {
      info.common_name.assign(cn, static_cast<std::size_t>(n));
    }
  }
  // DNS names only: IP SANs are skipped (SNI never carries an address).
  while (char* alt = wolfSSL_X509_get_next_altname(x509.get())) {
    std::string name(alt);
    bool printable = !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
      return std::isalnum(c) || c == '.' || c == '-' || c == '*' || c == '_';
    });
    if (printable && name.find_first_not_of("0123456789.") != std::string::npos) {
      info.dns_names.push_back(lower(name));
    }
  }
  unsigned char serial[64];
  int serial_len = sizeof serial;
  if (wolfSSL_X509_get_serial_number(x509.get(), serial, &serial_len) == WOLFSSL_SUCCESS) {
    static constexpr char kHex[] = "0123456789abcdef";
    for (int i = 0; i < serial_len; ++i) {
      info.serial_hex += kHex[serial[i] >> 4];
      info.serial_hex += kHex[serial[i] & 15];
    }
  }
  if (const WOLFSSL_ASN1_TIME* t = wolfSSL_X509_get_notAfter(x509.get())) {
    std::tm tm{};
    if (wolfSSL_ASN1_TIME_to_tm(t, &tm) == WOLFSSL_SUCCESS) {
      info.not_after = static_cast<std::int64_t>(timegm(&tm));
    }
  }
  return info;
}

}  // namespace pier::tls
