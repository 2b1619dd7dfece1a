// The TLS part of a snapshot build: the server TLS of the generation (options, stores and
// certificates, compiled by tls::ServerTls), the TLS options each HTTPS domain selects at
// handshake time (spec F.4), and the client TLS contexts services use towards their servers.
// Thread: control loop only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "config/dynamic_model.h"
#include "control/build_report.h"
#include "runtime/snapshot.h"
#include "tls/client_tls.h"
#include "tls/server_tls.h"

namespace pier::control {

// Compiles `cfg` into snapshot.server_tls, reusing what did not change from `previous`; each
// bad certificate or option is reported as a "TLS: " error.
void buildServerTls(const config::TlsConfig& cfg, const tls::ServerTls* previous,
                    runtime::Snapshot& snapshot, BuildReport& report);

// spec F.4: a router naming TLS options that do not exist, or failed to build, is disabled
// (reported here, false returned).
bool tlsOptionsUsable(const tls::ServerTls& tls, ObjectKind kind, const std::string& name,
                      const std::string& options, BuildReport& report);

// The Host domains of one TLS router on one entry point (spec F.4).
struct HttpsDomains {
  std::string router;
  std::uint32_t target = 0;  // index into Snapshot::routers
  std::vector<std::string> domains;
};

// spec F.4: each Host domain of a TLS router selects that router's options at handshake time.
// A domain claimed by routers with different options falls back to "default" for all of them
// on this entry point. Fills ep's https_* sets and options; may reset routers' tls_options.
void resolveHttpsOptions(const std::vector<HttpsDomains>& https_domains,
                         runtime::EntryPointRoutes& ep, runtime::Snapshot& snapshot,
                         BuildReport& report);

// The client TLS context for `settings`, shared by every service (HTTP or TCP) and generation
// with the same settings.
Result<std::shared_ptr<const tls::ClientContext>> clientContextFor(
    const tls::ClientTlsSettings& settings);

}  // namespace pier::control
