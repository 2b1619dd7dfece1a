#include "tls/cert_fields.h"

#include <arpa/inet.h>

#include <ctime>
#include <memory>

#include "tls/wolfssl.h"

#include <wolfssl/openssl/bn.h>
#include <wolfssl/openssl/x509v3.h>

namespace pier::tls {
namespace {

struct X509Free {
  void operator()(WOLFSSL_X509* x) const { wolfSSL_X509_free(x); }
};

std::string asnText(WOLFSSL_ASN1_STRING* s) {
  if (s == nullptr) {
    return {};
  }
  const unsigned char* data = wolfSSL_ASN1_STRING_data(s);
  int len = wolfSSL_ASN1_STRING_length(s);
  return data != nullptr && len > 0
             ? std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(len))
             : std::string();
}

DistinguishedName readName(WOLFSSL_X509_NAME* name) {
  DistinguishedName dn;
  if (name == nullptr) {
    return dn;
  }
  int count = wolfSSL_X509_NAME_entry_count(name);
  for (int i = 0; i < count; ++i) {
    WOLFSSL_X509_NAME_ENTRY* entry = wolfSSL_X509_NAME_get_entry(name, i);
    if (entry == nullptr) {
      continue;
    }
    int nid = wolfSSL_OBJ_obj2nid(wolfSSL_X509_NAME_ENTRY_get_object(entry));
    std::string value = asnText(wolfSSL_X509_NAME_ENTRY_get_data(entry));
    switch (nid) {
      case NID_domainComponent:
        dn.domain_component.push_back(value);
        break;
      case NID_countryName:
        dn.country.push_back(value);
        break;
      case NID_stateOrProvinceName:
        dn.province.push_back(value);
        break;
      case NID_localityName:
        dn.locality.push_back(value);
        break;
      case NID_organizationName:
        dn.organization.push_back(value);
        break;
      case NID_organizationalUnitName:
        dn.organizational_unit.push_back(value);
        break;
      case NID_serialNumber:
        dn.serial_number = value;  // Go keeps the last one
        break;
      case NID_commonName:
        dn.common_name = value;
        break;
      default:
        break;
    }
  }
  return dn;
}

std::int64_t unixTime(const WOLFSSL_ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || wolfSSL_ASN1_TIME_to_tm(t, &tm) != WOLFSSL_SUCCESS) {
    return 0;
  }
  return static_cast<std::int64_t>(timegm(&tm));
}

std::string serialDecimal(WOLFSSL_X509* x509) {
  WOLFSSL_ASN1_INTEGER* serial = wolfSSL_X509_get_serialNumber(x509);
  if (serial == nullptr) {
    return {};
  }
  WOLFSSL_BIGNUM* bn = wolfSSL_ASN1_INTEGER_to_BN(serial, nullptr);
  std::string out;
  if (bn != nullptr) {
    if (char* dec = wolfSSL_BN_bn2dec(bn)) {
      out = dec;
      XFREE(dec, nullptr, DYNAMIC_TYPE_OPENSSL);
    }
    wolfSSL_BN_free(bn);
  }
  return out;
}

std::string ipText(WOLFSSL_ASN1_STRING* s) {
  std::string raw = asnText(s);
  char text[INET6_ADDRSTRLEN] = {};
  if (raw.size() == 4) {
    inet_ntop(AF_INET, raw.data(), text, sizeof text);
  } else if (raw.size() == 16) {
    inet_ntop(AF_INET6, raw.data(), text, sizeof text);
  }
  return text;
}

std::vector<std::string> readSans(WOLFSSL_X509* x509) {
  auto* names = static_cast<WOLFSSL_GENERAL_NAMES*>(
      wolfSSL_X509_get_ext_d2i(x509, NID_subject_alt_name, nullptr, nullptr));
  std::vector<std::string> dns, email, ip, uri;
  if (names != nullptr) {
    int n = wolfSSL_sk_GENERAL_NAME_num(names);
    for (int i = 0; i < n; ++i) {
      WOLFSSL_GENERAL_NAME* gn = wolfSSL_sk_GENERAL_NAME_value(names, i);
      if (gn == nullptr) {
        continue;
      }
      switch (gn->type) {
        case GEN_DNS:
          dns.push_back(asnText(gn->d.dNSName));
          break;
        case GEN_EMAIL:
          email.push_back(asnText(gn->d.rfc822Name));
          break;
        case GEN_IPADD:
          ip.push_back(ipText(gn->d.iPAddress));
          break;
        case GEN_URI:
          uri.push_back(asnText(gn->d.uniformResourceIdentifier));
          break;
        default:
          break;
      }
    }
    wolfSSL_GENERAL_NAMES_free(names);
  }
  // wolfSSL keeps the names it parsed newest first: restore the certificate's order.
  std::vector<std::string> out;
  for (auto* group : {&dns, &email, &ip, &uri}) {
    out.insert(out.end(), group->rbegin(), group->rend());
  }
  return out;
}

}  // namespace

Result<CertFields> certFields(std::string_view pem) {
  initOnce();
  std::unique_ptr<WOLFSSL_X509, X509Free> x509(
      wolfSSL_X509_load_certificate_buffer(reinterpret_cast<const unsigned char*>(pem.data()),
                                           static_cast<int>(pem.size()), WOLFSSL_FILETYPE_PEM));
  if (!x509) {
    return fail(Error::config("cannot parse the certificate"));
  }
  CertFields f;
  f.subject = readName(wolfSSL_X509_get_subject_name(x509.get()));
  f.issuer = readName(wolfSSL_X509_get_issuer_name(x509.get()));
  f.serial_decimal = serialDecimal(x509.get());
  f.not_before = unixTime(wolfSSL_X509_get_notBefore(x509.get()));
  f.not_after = unixTime(wolfSSL_X509_get_notAfter(x509.get()));
  f.sans = readSans(x509.get());
  return f;
}

std::string pemBody(std::string_view pem) {
  static constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
  static constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  std::string out;
  out.reserve(pem.size());
  std::size_t i = 0;
  while (i < pem.size()) {
    if (pem.substr(i, kBegin.size()) == kBegin) {
      i += kBegin.size();
    } else if (pem.substr(i, kEnd.size()) == kEnd) {
      i += kEnd.size();
    } else {
      if (pem[i] != '\n') {
        out.push_back(pem[i]);
      }
      ++i;
    }
  }
  return out;
}

namespace {

// RFC 4514 escaping as Go applies it: ,+"\<>; anywhere, '#' or ' ' first, ' ' last.
void appendEscaped(std::string& out, std::string_view value) {
  for (std::size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    bool special = c == ',' || c == '+' || c == '"' || c == '\\' || c == '<' || c == '>' ||
                   c == ';' || (i == 0 && (c == ' ' || c == '#')) ||
                   (i + 1 == value.size() && c == ' ');
    if (special) {
      out += '\\';
    }
    out += c;
  }
}

void appendRdn(std::string& out, const char* type, const std::vector<std::string>& values) {
  if (values.empty()) {
    return;
  }
  if (!out.empty()) {
    out += ',';
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    out += i == 0 ? "" : "+";
    out += type;
    out += '=';
    appendEscaped(out, values[i]);
  }
}

}  // namespace

std::string distinguishedNameText(const DistinguishedName& name) {
  std::string out;
  if (!name.serial_number.empty()) {
    appendRdn(out, "SERIALNUMBER", {name.serial_number});
  }
  if (!name.common_name.empty()) {
    appendRdn(out, "CN", {name.common_name});
  }
  appendRdn(out, "OU", name.organizational_unit);
  appendRdn(out, "O", name.organization);
  appendRdn(out, "L", name.locality);
  appendRdn(out, "ST", name.province);
  appendRdn(out, "C", name.country);
  for (auto it = name.domain_component.rbegin(); it != name.domain_component.rend(); ++it) {
    appendRdn(out, "DC", {*it});
  }
  return out;
}

}  // namespace pier::tls
