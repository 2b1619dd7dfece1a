// Server-side TLS for one configuration generation: certificates indexed by name and one wolfSSL
// context per (certificate, TLS options) pair.
//
// Built on the control thread, immutable afterwards, and shared read-only by every worker
// thread. That is safe because workers only call wolfSSL_new() on these contexts: wolfSSL_new
// reads the context and takes its reference count under the context's own mutex, and nothing
// here modifies a context after build(). Session tickets use a process-wide key ring behind a
// mutex (ticket_keys.h); the generated default certificate is made once per process.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/dynamic_model.h"
#include "tls/wolfssl.h"

namespace pier::tls {

class ServerTls {
 public:
  struct BuildResult {
    std::shared_ptr<const ServerTls> tls;  // never null
    // One line per bad certificate/option, naming the file path or option; that object is
    // skipped, everything else stays in force.
    std::vector<std::string> errors;
  };

  // `previous` (may be null): certificates and contexts whose inputs (file contents, options)
  // are unchanged are reused from it.
  static BuildResult build(const config::TlsConfig& cfg, const ServerTls* previous);

  ~ServerTls();
  ServerTls(const ServerTls&) = delete;
  ServerTls& operator=(const ServerTls&) = delete;

  // True for options that exist and are valid; "default" always exists.
  bool hasOptions(std::string_view name) const;
  // True for options that were configured but failed to build: select() refuses them rather
  // than falling back to weaker defaults (Traefik disables routers that use them).
  bool optionsInvalid(std::string_view name) const;

  // Context for a new server session: certificate chosen by SNI (exact name, then a wildcard
  // one label deep, then the default certificate; case-insensitive), configured with the TLS
  // options `options_name` (unknown name -> "default"). nullptr when those options have
  // sniStrict and no certificate matches (or there is no SNI), or the options are invalid.
  // Pass the result to Session::accept while this ServerTls is alive; the session then keeps
  // what it needs, so it may outlive this object (configuration reload mid-connection).
  WOLFSSL_CTX* select(std::string_view sni, std::string_view options_name) const;

  // Paths the configuration read (certFile/keyFile/caFiles that are not inline PEM).
  std::vector<std::string> watchedFiles() const;

  // (name, notAfter unix seconds) per loaded certificate including the default one; name is
  // the subject CN, or the first DNS SAN when the CN is empty.
  std::vector<std::pair<std::string, std::int64_t>> certificatesNotAfter() const;

  // The certificates as the traefik_tls_certs_not_after gauge labels them (Traefik's
  // GetServerCertificates): every loaded one, and the default one unless it is the generated
  // "TRAEFIK DEFAULT CERT". `dns_names` sorted; `serial` in decimal.
  struct CertificateSummary {
    std::string common_name;
    std::string serial;
    std::vector<std::string> dns_names;
    std::int64_t not_after = 0;  // unix seconds
    std::string pem;             // as loaded, leaf first (the API's /api/certificates)
  };
  std::vector<CertificateSummary> certificateSummaries() const;

  // PEM of the certificate select() would use for this SNI (tests, API); empty if none.
  std::string certificatePemFor(std::string_view sni) const;

  struct Impl;

 private:
  explicit ServerTls(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace pier::tls
