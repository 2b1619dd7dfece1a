// /api/certificates[/{fingerprint}]: the certificates Pier serves (every loaded one and the
// default one unless generated, as Traefik's GetServerCertificates), each in Traefik's shape
// (name = SHA-256 fingerprint, sans, notAfter, notBefore, serialNumber, commonName, issuer and
// subject parts, version, keyType, keySize, signatureAlgorithm, fingerprints, status).
// Rendered at build time without `status`, which the answer adds from the clock
// (observability/api_query.h). Thread: control loop.
#pragma once

#include "observability/api_query.h"
#include "tls/server_tls.h"

namespace pier::app {

// The "/api/certificates" list, one entry per distinct certificate.
observability::ApiList certificatesApiList(const tls::ServerTls& tls);

}  // namespace pier::app
