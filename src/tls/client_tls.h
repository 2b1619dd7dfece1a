// Contexts for TLS towards backends (HTTP and TCP serversTransports).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "config/dynamic_model.h"
#include "tls/wolfssl.h"

namespace pier::tls {

struct ClientTlsSettings {
  std::string server_name;  // SNI and name to verify; empty = the dialled host
  bool insecure_skip_verify = false;
  std::vector<std::string> root_cas;                   // paths or inline PEM; empty = system roots
  std::vector<config::CertificateFiles> certificates;  // client certificates (mutual TLS)
  std::string min_version, max_version;                // "VersionTLS12" ... as Traefik
  std::vector<std::string> cipher_suites;              // Go names
  bool operator==(const ClientTlsSettings&) const = default;
};

ClientTlsSettings clientSettingsFrom(const config::HttpServersTransport& t);
ClientTlsSettings clientSettingsFrom(const config::TcpTransportTls& t);

// Owns one WOLFSSL_CTX; immutable after construction and safe to share between threads for
// wolfSSL_new (see server_tls.h).
class ClientContext {
 public:
  WOLFSSL_CTX* ctx() const { return ctx_.get(); }
  bool verifies() const { return !settings_.insecure_skip_verify; }
  const ClientTlsSettings& settings() const { return settings_; }

 private:
  friend Result<std::shared_ptr<const ClientContext>> buildClientContext(const ClientTlsSettings&);
  ClientTlsSettings settings_;
  CtxPtr ctx_;
};

inline constexpr const char* kSystemRoots = "/etc/ssl/certs/ca-certificates.crt";

// Errors name the setting: `rootCAs[0] "ca.pem": cannot read file`.
Result<std::shared_ptr<const ClientContext>> buildClientContext(const ClientTlsSettings& settings);

}  // namespace pier::tls
