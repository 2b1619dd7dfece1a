#include "app/api_certificates.h"

#include <algorithm>
#include <ctime>
#include <set>

#include <nlohmann/json.hpp>

#include "base/ip_address.h"
#include "tls/cert_details.h"

namespace pier::app {
namespace {

using nlohmann::ordered_json;

// Go's time.Time in JSON for a UTC time with whole seconds: RFC 3339.
std::string rfc3339(std::int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string firstOf(const std::vector<std::string>& v) {
  return v.empty() ? std::string() : v.front();
}

// Traefik lists DNS names and IP addresses (not e-mail addresses or URIs), sorted.
std::vector<std::string> sansOf(const tls::ServerTls::CertificateSummary& s,
                                const tls::CertFields& f) {
  std::vector<std::string> out = s.dns_names;
  for (const std::string& san : f.sans) {
    if (base::IpAddress::parse(san) && std::find(out.begin(), out.end(), san) == out.end()) {
      out.push_back(san);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

observability::ApiList certificatesApiList(const tls::ServerTls& tls) {
  observability::ApiList list;
  list.kind = observability::ApiListKind::Certificates;
  std::set<std::string> seen;  // one entry per fingerprint, as Traefik's map
  for (const tls::ServerTls::CertificateSummary& s : tls.certificateSummaries()) {
    auto d = tls::certDetails(s.pem);
    if (!d || !seen.insert(d->fingerprint).second) {
      continue;  // it loaded, so it parses; a failure here only hides it from the API
    }
    const tls::CertFields& f = d->fields;
    ordered_json j;
    j["name"] = d->fingerprint;
    j["sans"] = sansOf(s, f);
    j["notAfter"] = rfc3339(f.not_after);
    j["notBefore"] = rfc3339(f.not_before);
    j["serialNumber"] = f.serial_decimal;
    j["commonName"] = f.subject.common_name;
    // Traefik leaves these out when empty.
    auto optional = [&](const char* key, const std::string& value) {
      if (!value.empty()) {
        j[key] = value;
      }
    };
    std::string issuer_org = firstOf(f.issuer.organization);
    optional("issuerOrg", issuer_org);
    optional("issuerCN", f.issuer.common_name);
    optional("issuerCountry", firstOf(f.issuer.country));
    optional("organization", firstOf(f.subject.organization));
    optional("country", firstOf(f.subject.country));
    j["version"] = "v" + std::to_string(d->version);
    j["keyType"] = d->key_type;
    if (d->key_bits != 0) {
      j["keySize"] = d->key_bits;
    }
    j["signatureAlgorithm"] = d->signature;
    j["certFingerprint"] = d->fingerprint;
    j["publicKeyFingerprint"] = d->key_fingerprint;
    std::string text = j.dump();
    text.pop_back();  // the answer appends `,"status":...}`

    observability::ApiListEntry e;
    e.json = std::move(text);
    e.name = f.subject.common_name;
    e.id = d->fingerprint;
    e.issuer = issuer_org.empty() ? f.issuer.common_name : issuer_org;
    e.searched = {issuer_org, f.issuer.common_name};
    for (const auto& san : j["sans"]) {
      e.searched.push_back(san.get<std::string>());
    }
    e.not_after = f.not_after;
    list.entries.push_back(std::move(e));
  }
  return list;
}

}  // namespace pier::app
