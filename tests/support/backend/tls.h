// Optional TLS for pier-test-backend (TLS 1.3 only, wolfSSL on the connection's blocking socket).
// It stands in for servers that terminate TLS themselves and may ask for client certificates,
// e.g. the REST APIs that Pier forwards by SNI passthrough. Shares no code with src/tls.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct WOLFSSL;
struct WOLFSSL_CTX;

namespace testbackend {

// How the backend treats client certificates (--tls-client-auth).
enum class ClientAuth {
  kNone,        // no certificate requested
  kOptional,    // requested; when one is sent it must verify (against the client CA if given)
  kRequireAny,  // required, any certificate (not verified against a CA)
  kRequire,     // required and verified against the client CA
};

std::optional<ClientAuth> parseClientAuth(std::string_view text);

struct TlsConfig {
  std::string certFile;      // PEM chain, leaf first
  std::string keyFile;       // PEM private key
  std::string clientCaFile;  // PEM CA(s) for client certificates; may be empty
  ClientAuth clientAuth = ClientAuth::kNone;
};

// One server-side TLS connection after a completed handshake. Not thread-safe: used by the thread
// that serves the connection.
class TlsSession {
 public:
  TlsSession(WOLFSSL* ssl, std::string clientCn);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // Up to n decrypted bytes; 0 on EOF (close_notify or TCP close) or error.
  long read(char* dst, size_t n);
  bool writeAll(const char* p, size_t n);
  // Sends close_notify once; later calls do nothing.
  void closeNotify();

  std::string version() const;
  // CN of the certificate the client presented ("" when none).
  const std::string& clientCommonName() const { return clientCn_; }

 private:
  WOLFSSL* ssl_;
  std::string clientCn_;
  bool closed_ = false;
};

class TlsServer {
 public:
  // nullptr with `error` set when a file cannot be loaded or the options do not fit together.
  static std::unique_ptr<TlsServer> create(const TlsConfig& config, std::string& error);
  ~TlsServer();
  TlsServer(const TlsServer&) = delete;
  TlsServer& operator=(const TlsServer&) = delete;

  // Server handshake on a connected blocking socket, bounded by `timeoutMs` (the socket's
  // timeouts are restored to none afterwards). nullptr with `error` set on failure; the caller
  // still owns and closes fd.
  std::unique_ptr<TlsSession> handshake(int fd, int timeoutMs, std::string& error) const;

 private:
  explicit TlsServer(WOLFSSL_CTX* ctx) : ctx_(ctx) {}
  WOLFSSL_CTX* ctx_;
};

}  // namespace testbackend
