// passTLSClientCert: hands the client certificate Pier verified (or accepted) during the TLS
// handshake to the backend, as X-Forwarded-Tls-Client-Cert (PEM bodies, comma-separated) and/or
// X-Forwarded-Tls-Client-Cert-Info (selected fields, URL-query-escaped), in Traefik's formats.
// Only meaningful when Pier terminates TLS and the TLS options ask for client certificates.
#include "middleware/pass_tls_client_cert.h"

#include <cctype>
#include <optional>

#include "tls/cert_fields.h"

namespace pier::middleware {
namespace {

constexpr std::string_view kCertHeader = "X-Forwarded-Tls-Client-Cert";
constexpr std::string_view kInfoHeader = "X-Forwarded-Tls-Client-Cert-Info";

struct NameOptions {
  bool country = false;
  bool province = false;
  bool locality = false;
  bool organization = false;
  bool organizational_unit = false;  // subject only
  bool common_name = false;
  bool serial_number = false;
  bool domain_component = false;
};

template <class V>
void describe(V& v, NameOptions& o) {
  v("country", o.country);
  v("province", o.province);
  v("locality", o.locality);
  v("organization", o.organization);
  v("organizationalUnit", o.organizational_unit);
  v("commonName", o.common_name);
  v("serialNumber", o.serial_number);
  v("domainComponent", o.domain_component);
}

struct InfoOptions {
  bool not_after = false;
  bool not_before = false;
  bool sans = false;
  bool serial_number = false;
  std::optional<NameOptions> subject;
  std::optional<NameOptions> issuer;
};

template <class V>
void describe(V& v, InfoOptions& o) {
  v("notAfter", o.not_after);
  v("notBefore", o.not_before);
  v("sans", o.sans);
  v("serialNumber", o.serial_number);
  v("subject", o.subject);
  v("issuer", o.issuer);
}

struct Options {
  bool pem = false;
  std::optional<InfoOptions> info;
};

template <class V>
void describe(V& v, Options& o) {
  v("pem", o.pem);
  v("info", o.info);
}

void appendParts(std::string& out, const std::vector<std::string>& values, const char* key) {
  for (const std::string& v : values) {
    if (!v.empty()) {
      out += key;
      out += '=';
      out += v;
      out += ',';
    }
  }
}

// "DC=..,C=..,ST=..,L=..,O=..,OU=..,SN=..,CN=.." in that order, selected parts only.
std::string nameText(const NameOptions& o, const tls::DistinguishedName& dn, bool subject) {
  std::string out;
  if (o.domain_component)
    appendParts(out, dn.domain_component, "DC");
  if (o.country)
    appendParts(out, dn.country, "C");
  if (o.province)
    appendParts(out, dn.province, "ST");
  if (o.locality)
    appendParts(out, dn.locality, "L");
  if (o.organization)
    appendParts(out, dn.organization, "O");
  if (subject && o.organizational_unit)
    appendParts(out, dn.organizational_unit, "OU");
  if (o.serial_number)
    appendParts(out, {dn.serial_number}, "SN");
  if (o.common_name)
    appendParts(out, {dn.common_name}, "CN");
  if (!out.empty()) {
    out.pop_back();  // the trailing ','
  }
  return out;
}

std::string certInfo(const InfoOptions& o, const tls::CertFields& f) {
  std::vector<std::string> fields;
  if (o.subject) {
    if (std::string s = nameText(*o.subject, f.subject, true); !s.empty()) {
      fields.push_back("Subject=\"" + s + "\"");
    }
  }
  if (o.issuer) {
    if (std::string s = nameText(*o.issuer, f.issuer, false); !s.empty()) {
      fields.push_back("Issuer=\"" + s + "\"");
    }
  }
  if (o.serial_number && !f.serial_decimal.empty()) {
    fields.push_back("SerialNumber=\"" + f.serial_decimal + "\"");
  }
  if (o.not_before) {
    fields.push_back("NB=\"" + std::to_string(f.not_before) + "\"");
  }
  if (o.not_after) {
    fields.push_back("NA=\"" + std::to_string(f.not_after) + "\"");
  }
  if (o.sans && !f.sans.empty()) {
    std::string sans;
    for (const std::string& s : f.sans) {
      sans += (sans.empty() ? "" : ",") + s;
    }
    fields.push_back("SAN=\"" + sans + "\"");
  }
  std::string out;
  for (const std::string& field : fields) {
    out += (out.empty() ? "" : ";") + field;
  }
  return out;
}

// Go's url.QueryEscape: unreserved characters stay, space becomes '+', the rest %XX.
std::string queryEscape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

class PassTlsClientCert final : public Middleware {
 public:
  PassTlsClientCert(std::string name, Options o) : Middleware(std::move(name)), o_(std::move(o)) {}
  std::string_view kind() const override { return "passTLSClientCert"; }

  Verdict onRequest(RequestContext& ctx) const override {
    // Traefik's handler sets these only from the connection: a client cannot forge them.
    ctx.head.headers.remove(kCertHeader);
    ctx.head.headers.remove(kInfoHeader);
    if (!ctx.peer_certificates_pem) {
      return Verdict::Continue;
    }
    std::vector<std::string> chain = ctx.peer_certificates_pem();
    if (chain.empty()) {
      return Verdict::Continue;
    }
    if (o_.pem) {
      std::string value;
      for (const std::string& pem : chain) {
        value += (value.empty() ? "" : ",") + tls::pemBody(pem);
      }
      ctx.head.headers.set(kCertHeader, value);
    }
    if (o_.info) {
      std::string value;
      for (std::size_t i = 0; i < chain.size(); ++i) {
        auto fields = tls::certFields(chain[i]);
        value += (i == 0 ? "" : ",") + (fields ? certInfo(*o_.info, *fields) : std::string());
      }
      ctx.head.headers.set(kInfoHeader, queryEscape(value));
    }
    return Verdict::Continue;
  }

 private:
  Options o_;
};

}  // namespace

Result<MiddlewarePtr> makePassTlsClientCert(const BuildContext& b) {
  auto o = decodeOptions<Options>(b);
  if (!o) {
    return fail(o.error());
  }
  return std::make_shared<PassTlsClientCert>(b.name, std::move(*o));
}

}  // namespace pier::middleware
