#include "tls/tls_options.h"

#include <algorithm>
#include <array>
#include <string_view>
#include <utility>

#include "tls/pem.h"
#include "tls/wolfssl.h"

namespace pier::tls {
namespace {

struct SuiteName {
  std::string_view go;
  std::string_view wolf;  // empty: TLS 1.3 suite (always on) or signalling value
};

// Go's crypto/tls names (and the aliases Go accepts) with the wolfSSL name of the same suite.
constexpr std::array<SuiteName, 28> kSuites{{
    {"TLS_RSA_WITH_RC4_128_SHA", "RC4-SHA"},
    {"TLS_RSA_WITH_3DES_EDE_CBC_SHA", "DES-CBC3-SHA"},
    {"TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA"},
    {"TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA"},
    {"TLS_RSA_WITH_AES_128_CBC_SHA256", "AES128-SHA256"},
    {"TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256"},
    {"TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384"},
    {"TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", "ECDHE-ECDSA-RC4-SHA"},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA"},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA"},
    {"TLS_ECDHE_RSA_WITH_RC4_128_SHA", "ECDHE-RSA-RC4-SHA"},
    {"TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "ECDHE-RSA-DES-CBC3-SHA"},
    {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA"},
    {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA"},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "ECDHE-ECDSA-AES128-SHA256"},
    {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "ECDHE-RSA-AES128-SHA256"},
    {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"},
    {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"},
    {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305"},
    {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"},
    {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "ECDHE-RSA-CHACHA20-POLY1305"},
    {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "ECDHE-ECDSA-CHACHA20-POLY1305"},
    {"TLS_AES_128_GCM_SHA256", ""},
    {"TLS_AES_256_GCM_SHA384", ""},
    {"TLS_CHACHA20_POLY1305_SHA256", ""},
    {"TLS_FALLBACK_SCSV", ""},
}};

constexpr std::string_view kTls13Suites =
    "TLS13-AES128-GCM-SHA256:TLS13-AES256-GCM-SHA384:TLS13-CHACHA20-POLY1305-SHA256";

// Go's default TLS 1.0-1.2 suites (crypto/tls, secure and enabled by default).
constexpr std::string_view kDefaultSuites =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA:"
    "AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA:AES256-SHA";

std::optional<int> curveGroup(const std::string& name) {
  static const std::array<std::pair<std::string_view, int>, 8> kCurves{{
      {"CurveP256", WOLFSSL_ECC_SECP256R1},
      {"secp256r1", WOLFSSL_ECC_SECP256R1},
      {"CurveP384", WOLFSSL_ECC_SECP384R1},
      {"secp384r1", WOLFSSL_ECC_SECP384R1},
      {"CurveP521", WOLFSSL_ECC_SECP521R1},
      {"secp521r1", WOLFSSL_ECC_SECP521R1},
      {"X25519", WOLFSSL_ECC_X25519},
      {"x25519", WOLFSSL_ECC_X25519},
  }};
  for (const auto& [n, g] : kCurves) {
    if (n == name) {
      return g;
    }
  }
  return std::nullopt;
}

std::optional<ClientAuthMode> clientAuthMode(const std::string& s) {
  if (s == "NoClientCert")
    return ClientAuthMode::NoClientCert;
  if (s == "RequestClientCert")
    return ClientAuthMode::RequestClientCert;
  if (s == "RequireAnyClientCert")
    return ClientAuthMode::RequireAnyClientCert;
  if (s == "VerifyClientCertIfGiven")
    return ClientAuthMode::VerifyClientCertIfGiven;
  if (s == "RequireAndVerifyClientCert")
    return ClientAuthMode::RequireAndVerifyClientCert;
  return std::nullopt;
}

}  // namespace

std::optional<int> protocolVersion(const std::string& go_name) {
  if (go_name == "VersionTLS10")
    return TLS1_VERSION;
  if (go_name == "VersionTLS11")
    return TLS1_1_VERSION;
  if (go_name == "VersionTLS12")
    return TLS1_2_VERSION;
  if (go_name == "VersionTLS13")
    return TLS1_3_VERSION;
  return std::nullopt;
}

Result<std::string> wolfCipherList(const std::vector<std::string>& go_names) {
  std::string list;
  if (go_names.empty()) {
    list = kDefaultSuites;
  }
  for (const std::string& go : go_names) {
    auto it = std::find_if(kSuites.begin(), kSuites.end(),
                           [&](const SuiteName& s) { return s.go == go; });
    if (it == kSuites.end()) {
      return fail(Error::config("unknown cipher suite \"" + go + "\""));
    }
    if (!it->wolf.empty()) {
      if (!list.empty()) {
        list += ':';
      }
      list += it->wolf;
    }
  }
  // TLS 1.3 suites first: wolfSSL only offers/accepts TLS 1.3 when they lead the list.
  return std::string(kTls13Suites) + (list.empty() ? "" : ":") + list;
}

config::TlsOptions builtinDefaultOptions() {
  config::TlsOptions o;
  o.min_version = "VersionTLS12";
  return o;
}

Result<ServerOptions> resolveServerOptions(const std::string& name, const config::TlsOptions& opts,
                                           std::vector<std::string>& files_read) {
  const std::string prefix = "TLS options \"" + name + "\": ";
  ServerOptions out;
  // Unknown version names are ignored, as Traefik does. Go servers default to TLS 1.2.
  out.min_version = protocolVersion(opts.min_version);
  if (!out.min_version) {
    out.min_version = TLS1_2_VERSION;
  }
  out.max_version = protocolVersion(opts.max_version);

  auto ciphers = wolfCipherList(opts.cipher_suites);
  if (!ciphers) {
    return fail(Error::config(prefix + "cipherSuites: " + ciphers.error().message));
  }
  out.cipher_list = std::move(*ciphers);

  for (const std::string& c : opts.curve_preferences) {
    auto g = curveGroup(c);
    if (!g) {
      return fail(Error::config(prefix + "curvePreferences: unknown curve \"" + c + "\""));
    }
    out.groups.push_back(*g);
  }

  // No HTTP/2 here: h2 is never advertised. Default: http/1.1.
  if (opts.alpn_protocols.empty()) {
    out.alpn = {"http/1.1"};
  } else {
    for (const std::string& p : opts.alpn_protocols) {
      if (p != "h2" && !p.empty() && p.size() < 256) {
        out.alpn.push_back(p);
      }
    }
  }
  out.sni_strict = opts.sni_strict;
  out.session_tickets = !opts.disable_session_tickets;

  if (opts.client_auth) {
    const config::ClientAuth& ca = *opts.client_auth;
    for (std::size_t i = 0; i < ca.ca_files.size(); ++i) {
      if (!isInlinePem(ca.ca_files[i])) {
        files_read.push_back(ca.ca_files[i]);
        out.files.push_back(ca.ca_files[i]);
      }
      auto pem = readPem(ca.ca_files[i]);
      if (!pem) {
        return fail(Error::config(prefix + "clientAuth.caFiles[" + std::to_string(i) +
                                  "]: " + pem.error().message));
      }
      if (splitCertificates(pem->text).empty()) {
        return fail(Error::config(prefix + "clientAuth.caFiles[" + std::to_string(i) + "] " +
                                  pem->label + ": no CERTIFICATE block"));
      }
      out.client_ca_pem += pem->text;
      out.client_ca_pem += '\n';
    }
    if (ca.client_auth_type.empty()) {
      // Traefik: CA files without a type mean the strictest mode.
      out.client_auth = ca.ca_files.empty() ? ClientAuthMode::NoClientCert
                                            : ClientAuthMode::RequireAndVerifyClientCert;
    } else {
      auto mode = clientAuthMode(ca.client_auth_type);
      if (!mode) {
        return fail(Error::config(prefix + "clientAuth.clientAuthType: unknown type \"" +
                                  ca.client_auth_type + "\""));
      }
      out.client_auth = *mode;
    }
    bool verifies = out.client_auth == ClientAuthMode::VerifyClientCertIfGiven ||
                    out.client_auth == ClientAuthMode::RequireAndVerifyClientCert;
    if (verifies && ca.ca_files.empty()) {
      return fail(Error::config(prefix + "clientAuth: " + ca.client_auth_type +
                                " needs clientAuth.caFiles"));
    }
  }

  std::string fp = "min=" + std::to_string(*out.min_version) +
                   ";max=" + std::to_string(out.max_version.value_or(0)) +
                   ";ciphers=" + out.cipher_list + ";groups=";
  for (int g : out.groups) {
    fp += std::to_string(g) + ",";
  }
  fp += ";alpn=";
  for (const std::string& p : out.alpn) {
    fp += p + ",";
  }
  fp += ";strict=" + std::to_string(out.sni_strict) +
        ";tickets=" + std::to_string(out.session_tickets) +
        ";auth=" + std::to_string(static_cast<int>(out.client_auth)) + ";ca=" + out.client_ca_pem;
  out.fingerprint = std::move(fp);
  return out;
}

}  // namespace pier::tls
