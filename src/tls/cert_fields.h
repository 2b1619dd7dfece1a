// The fields of a client certificate that passTLSClientCert forwards (spec E.6 / F.6), read
// with wolfSSL's X.509 parser. Names follow Go's crypto/x509 so the headers match Traefik's.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace pier::tls {

struct DistinguishedName {
  std::vector<std::string> domain_component;     // DC, in certificate order
  std::vector<std::string> country;              // C
  std::vector<std::string> province;             // ST
  std::vector<std::string> locality;             // L
  std::vector<std::string> organization;         // O
  std::vector<std::string> organizational_unit;  // OU
  std::string serial_number;                     // SN (the attribute, not the certificate serial)
  std::string common_name;                       // CN
};

struct CertFields {
  DistinguishedName subject;
  DistinguishedName issuer;
  std::string serial_decimal;   // the certificate serial number in decimal
  std::int64_t not_before = 0;  // unix seconds
  std::int64_t not_after = 0;
  // DNS names, then e-mail addresses, then IP addresses, then URIs (Go's order).
  std::vector<std::string> sans;
};

// One PEM certificate block.
Result<CertFields> certFields(std::string_view pem);

// The name as Go's pkix.Name.String() writes it (what Traefik logs as TLSClientSubject): the
// most specific part first, "SERIALNUMBER=..,CN=..,OU=..,O=..,L=..,ST=..,C=..", several values
// of one type joined by '+', and RFC 4514 escapes. DC parts come last as "DC=.." (Go writes
// their OID and DER bytes instead).
std::string distinguishedNameText(const DistinguishedName& name);

// The PEM text without its BEGIN/END lines and newlines (the X-Forwarded-Tls-Client-Cert form).
std::string pemBody(std::string_view pem);

}  // namespace pier::tls
