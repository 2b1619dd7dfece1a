#include "tls/client_tls.h"

#include "tls/pem.h"
#include "tls/tls_options.h"

namespace pier::tls {

ClientTlsSettings clientSettingsFrom(const config::HttpServersTransport& t) {
  ClientTlsSettings s;
  s.server_name = t.server_name;
  s.insecure_skip_verify = t.insecure_skip_verify;
  s.root_cas = t.root_cas;
  s.certificates = t.certificates;
  s.min_version = t.min_version;
  s.max_version = t.max_version;
  s.cipher_suites = t.cipher_suites;
  return s;
}

ClientTlsSettings clientSettingsFrom(const config::TcpTransportTls& t) {
  ClientTlsSettings s;
  s.server_name = t.server_name;
  s.insecure_skip_verify = t.insecure_skip_verify;
  s.root_cas = t.root_cas;
  s.certificates = t.certificates;
  return s;
}

Result<std::shared_ptr<const ClientContext>> buildClientContext(const ClientTlsSettings& settings) {
  initOnce();
  auto out = std::make_shared<ClientContext>();
  out->settings_ = settings;
  out->ctx_.reset(wolfSSL_CTX_new(wolfSSLv23_client_method()));
  WOLFSSL_CTX* ctx = out->ctx_.get();
  if (ctx == nullptr) {
    return fail(Error::internal("wolfSSL_CTX_new failed"));
  }
  // Go clients default to TLS 1.2 as the minimum; unknown names are ignored as Traefik does.
  wolfSSL_CTX_set_min_proto_version(ctx,
                                    protocolVersion(settings.min_version).value_or(TLS1_2_VERSION));
  if (auto max = protocolVersion(settings.max_version)) {
    wolfSSL_CTX_set_max_proto_version(ctx, *max);
  }
  auto ciphers = wolfCipherList(settings.cipher_suites);
  if (!ciphers) {
    return fail(Error::config("cipherSuites: " + ciphers.error().message));
  }
  if (wolfSSL_CTX_set_cipher_list(ctx, ciphers->c_str()) != WOLFSSL_SUCCESS) {
    return fail(Error::config("cipherSuites: none of the suites is available"));
  }

  if (settings.insecure_skip_verify) {
    wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_NONE, nullptr);
  } else {
    wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER, nullptr);
    if (settings.root_cas.empty()) {
      if (wolfSSL_CTX_load_verify_locations(ctx, kSystemRoots, nullptr) != WOLFSSL_SUCCESS) {
        return fail(
            Error::environment(std::string("cannot load the system roots from ") + kSystemRoots));
      }
    }
    for (std::size_t i = 0; i < settings.root_cas.size(); ++i) {
      const std::string what = "rootCAs[" + std::to_string(i) + "]";
      auto pem = readPem(settings.root_cas[i]);
      if (!pem) {
        return fail(Error::config(what + ": " + pem.error().message));
      }
      if (wolfSSL_CTX_load_verify_buffer(
              ctx, reinterpret_cast<const unsigned char*>(pem->text.data()),
              static_cast<long>(pem->text.size()), WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS) {
        return fail(Error::config(what + " " + pem->label + ": no usable CA certificate"));
      }
    }
  }

  // wolfSSL holds one certificate per context: the first one configured is presented.
  if (!settings.certificates.empty()) {
    const config::CertificateFiles& c = settings.certificates.front();
    auto label = [](const std::string& s) {
      return isInlinePem(s) ? std::string("inline PEM") : "\"" + s + "\"";
    };
    const std::string what =
        "certificates[0] (certFile " + label(c.cert_file) + ", keyFile " + label(c.key_file) + ")";
    auto cert = readPem(c.cert_file);
    if (!cert) {
      return fail(Error::config(what + ": certFile: " + cert.error().message));
    }
    auto key = readPem(c.key_file);
    if (!key) {
      return fail(Error::config(what + ": keyFile: " + key.error().message));
    }
    if (wolfSSL_CTX_use_certificate_chain_buffer_format(
            ctx, reinterpret_cast<const unsigned char*>(cert->text.data()),
            static_cast<long>(cert->text.size()), WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS) {
      return fail(Error::config(what + ": cannot load the certificate chain"));
    }
    if (wolfSSL_CTX_use_PrivateKey_buffer(
            ctx, reinterpret_cast<const unsigned char*>(key->text.data()),
            static_cast<long>(key->text.size()), WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS) {
      return fail(Error::config(what + ": cannot parse the private key"));
    }
    if (!privateKeyMatches(cert->text, key->text)) {
      return fail(Error::config(what + ": the private key does not match the certificate"));
    }
  }
  return std::shared_ptr<const ClientContext>(std::move(out));
}

}  // namespace pier::tls
