// Traefik TLS option values (Go names) translated to what wolfSSL understands, and checked.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "config/dynamic_model.h"

namespace pier::tls {

// "VersionTLS10".."VersionTLS13" -> wolfSSL protocol constant; nullopt for other names.
std::optional<int> protocolVersion(const std::string& go_name);

// Go cipher-suite names -> a wolfSSL cipher list. TLS 1.3 suites are always enabled whatever the
// list says (Go ignores cipherSuites for TLS 1.3); an empty list means Go's secure defaults.
// Unknown name -> error naming it.
Result<std::string> wolfCipherList(const std::vector<std::string>& go_names);

enum class ClientAuthMode {
  NoClientCert,
  RequestClientCert,
  RequireAnyClientCert,
  VerifyClientCertIfGiven,
  RequireAndVerifyClientCert,
};

// Server-side options ready to apply to a context. `fingerprint` identifies the effective
// settings (including CA file contents): equal fingerprints mean interchangeable contexts.
struct ServerOptions {
  std::optional<int> min_version;  // wolfSSL constants
  std::optional<int> max_version;
  std::string cipher_list;
  std::vector<int> groups;        // WOLFSSL_ECC_* / WOLFSSL_ECC_X25519
  std::vector<std::string> alpn;  // server preference order
  bool sni_strict = false;
  bool session_tickets = true;
  ClientAuthMode client_auth = ClientAuthMode::NoClientCert;
  std::string client_ca_pem;       // concatenated caFiles
  std::vector<std::string> files;  // caFiles given as paths
  std::string fingerprint;
};

// Traefik's built-in "default" options (used when no provider defines them).
config::TlsOptions builtinDefaultOptions();

// Errors name the option: `TLS options "name": cipherSuites: unknown suite "X"`. The files read
// are reported even on error so they can be watched.
Result<ServerOptions> resolveServerOptions(const std::string& name, const config::TlsOptions& opts,
                                           std::vector<std::string>& files_read);

}  // namespace pier::tls
