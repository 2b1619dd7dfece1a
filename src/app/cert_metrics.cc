#include "app/cert_metrics.h"

#include <algorithm>

namespace pier::app {

void publishCertificateExpiry(const tls::ServerTls& tls, observability::MetricsRegistry& metrics) {
  std::vector<observability::MetricsRegistry::Certificate> certs;
  for (const tls::ServerTls::CertificateSummary& c : tls.certificateSummaries()) {
    observability::MetricsRegistry::Certificate m;
    m.cn = c.common_name;
    m.serial = c.serial;
    for (const std::string& name : c.dns_names) {
      m.sans += (m.sans.empty() ? "" : ",") + name;
    }
    m.not_after_unix = static_cast<double>(c.not_after);
    // One series per certificate: the same one loaded twice (listed and default) counts once.
    bool seen = std::any_of(certs.begin(), certs.end(), [&](const auto& o) {
      return o.cn == m.cn && o.serial == m.serial && o.sans == m.sans;
    });
    if (!seen) {
      certs.push_back(std::move(m));
    }
  }
  metrics.setCertificates(std::move(certs));
}

}  // namespace pier::app
