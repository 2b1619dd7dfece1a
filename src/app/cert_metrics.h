// Feeds traefik_tls_certs_not_after{cn,serial,sans} from a generation's server certificates:
// called after every build, including the ones the certificate-file poll triggers, so the
// gauge always describes the certificates in force (the whole set is replaced).
// Thread: control loop.
#pragma once

#include "observability/metrics_registry.h"
#include "tls/server_tls.h"

namespace pier::app {

void publishCertificateExpiry(const tls::ServerTls& tls, observability::MetricsRegistry& metrics);

}  // namespace pier::app
