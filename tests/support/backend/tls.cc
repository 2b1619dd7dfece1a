#include "tls.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <climits>
#include <mutex>
#include <utility>

// clang-format off
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
// clang-format on

namespace testbackend {
namespace {

// Used where any client certificate is accepted (RequireAny, or Optional without a CA): wolfSSL
// still checks the CertificateVerify signature, so the client proves it holds the key.
int acceptAnyCertificate(int /*preverify*/, WOLFSSL_X509_STORE_CTX* /*store*/) {
  return 1;
}

// " (code text)" for a wolfSSL error code; "" for plain failure (0), which has no text.
std::string wolfError(int code) {
  if (code >= 0)
    return "";
  char buf[WOLFSSL_MAX_ERROR_SZ] = {};
  wolfSSL_ERR_error_string_n(static_cast<unsigned long>(code), buf, sizeof buf);
  return " (" + std::to_string(code) + " " + buf + ")";
}

void setSocketTimeouts(int fd, int timeoutMs) {
  timeval tv{timeoutMs / 1000, (timeoutMs % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

std::string peerCommonName(WOLFSSL* ssl) {
  WOLFSSL_X509* peer = wolfSSL_get_peer_certificate(ssl);
  if (peer == nullptr)
    return "";
  std::string cn;
  if (WOLFSSL_X509_NAME* subject = wolfSSL_X509_get_subject_name(peer)) {
    char buf[256] = {};
    int n = wolfSSL_X509_NAME_get_text_by_NID(subject, NID_commonName, buf, sizeof buf);
    if (n > 0)
      cn.assign(buf, static_cast<size_t>(n));
  }
  // With OPENSSL_EXTRA (Debian's build) the caller owns a reference to the peer certificate.
  wolfSSL_X509_free(peer);
  return cn;
}

}  // namespace

std::optional<ClientAuth> parseClientAuth(std::string_view text) {
  if (text == "none")
    return ClientAuth::kNone;
  if (text == "optional")
    return ClientAuth::kOptional;
  if (text == "require-any")
    return ClientAuth::kRequireAny;
  if (text == "require")
    return ClientAuth::kRequire;
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------

TlsSession::TlsSession(WOLFSSL* ssl, std::string clientCn)
    : ssl_(ssl), clientCn_(std::move(clientCn)) {}

TlsSession::~TlsSession() {
  wolfSSL_free(ssl_);
}

long TlsSession::read(char* dst, size_t n) {
  int want = static_cast<int>(std::min<size_t>(n, INT_MAX));
  for (;;) {
    int got = wolfSSL_read(ssl_, dst, want);
    if (got > 0)
      return got;
    int err = wolfSSL_get_error(ssl_, got);
    // Blocking socket: WANT_READ only follows records that carried no application data.
    if (err == WOLFSSL_ERROR_WANT_READ)
      continue;
    return 0;
  }
}

bool TlsSession::writeAll(const char* p, size_t n) {
  while (n > 0) {
    int chunk = static_cast<int>(std::min<size_t>(n, 1u << 20));
    int w = wolfSSL_write(ssl_, p, chunk);
    if (w <= 0) {
      if (wolfSSL_get_error(ssl_, w) == WOLFSSL_ERROR_WANT_WRITE)
        continue;
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

void TlsSession::closeNotify() {
  if (closed_)
    return;
  closed_ = true;
  wolfSSL_shutdown(ssl_);  // sends close_notify; the peer's is not awaited
}

std::string TlsSession::version() const {
  const char* v = wolfSSL_get_version(ssl_);
  return v != nullptr ? v : "";
}

// ---------------------------------------------------------------------------------------------

std::unique_ptr<TlsServer> TlsServer::create(const TlsConfig& config, std::string& error) {
  static std::once_flag once;
  std::call_once(once, [] { wolfSSL_Init(); });
  WOLFSSL_CTX* ctx = wolfSSL_CTX_new(wolfTLSv1_3_server_method());
  if (ctx == nullptr) {
    error = "cannot create a TLS 1.3 context";
    return nullptr;
  }
  std::unique_ptr<TlsServer> server(new TlsServer(ctx));
  int rc = wolfSSL_CTX_use_certificate_chain_file(ctx, config.certFile.c_str());
  if (rc != WOLFSSL_SUCCESS) {
    error =
        "--tls-cert " + config.certFile + ": cannot load a PEM certificate chain" + wolfError(rc);
    return nullptr;
  }
  rc = wolfSSL_CTX_use_PrivateKey_file(ctx, config.keyFile.c_str(), WOLFSSL_FILETYPE_PEM);
  if (rc != WOLFSSL_SUCCESS) {
    error = "--tls-key " + config.keyFile + ": cannot load a PEM private key" + wolfError(rc);
    return nullptr;
  }
  // Catches RSA mismatches; this wolfSSL build does not compare EC keys, so an EC mismatch only
  // shows as failing handshakes.
  if (wolfSSL_CTX_check_private_key(ctx) != WOLFSSL_SUCCESS) {
    error = "--tls-key " + config.keyFile + " does not match --tls-cert " + config.certFile;
    return nullptr;
  }
  bool haveCa = !config.clientCaFile.empty();
  if (haveCa) {
    rc = wolfSSL_CTX_load_verify_locations(ctx, config.clientCaFile.c_str(), nullptr);
    if (rc != WOLFSSL_SUCCESS) {
      error = "--tls-client-ca " + config.clientCaFile + ": cannot load PEM CA certificates" +
              wolfError(rc);
      return nullptr;
    }
  }
  switch (config.clientAuth) {
    case ClientAuth::kNone:
      wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_NONE, nullptr);
      break;
    case ClientAuth::kOptional:
      wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER, haveCa ? nullptr : acceptAnyCertificate);
      break;
    case ClientAuth::kRequireAny:
      wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER | WOLFSSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                             acceptAnyCertificate);
      break;
    case ClientAuth::kRequire:
      if (!haveCa) {
        error = "--tls-client-auth require needs --tls-client-ca";
        return nullptr;
      }
      wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER | WOLFSSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                             nullptr);
      break;
  }
  return server;
}

TlsServer::~TlsServer() {
  wolfSSL_CTX_free(ctx_);
}

std::unique_ptr<TlsSession> TlsServer::handshake(int fd, int timeoutMs, std::string& error) const {
  WOLFSSL* ssl = wolfSSL_new(ctx_);
  if (ssl == nullptr) {
    error = "cannot create a TLS session";
    return nullptr;
  }
  if (wolfSSL_set_fd(ssl, fd) != WOLFSSL_SUCCESS) {
    wolfSSL_free(ssl);
    error = "cannot attach the TLS session to the socket";
    return nullptr;
  }
  setSocketTimeouts(fd, timeoutMs);
  int rc = wolfSSL_accept(ssl);
  setSocketTimeouts(fd, 0);
  if (rc != WOLFSSL_SUCCESS) {
    int err = wolfSSL_get_error(ssl, rc);
    error = err == WOLFSSL_ERROR_WANT_READ || err == WOLFSSL_ERROR_WANT_WRITE
                ? "handshake timed out"
                : "handshake failed" + wolfError(err);
    wolfSSL_free(ssl);
    return nullptr;
  }
  return std::make_unique<TlsSession>(ssl, peerCommonName(ssl));
}

}  // namespace testbackend
