// One TLS connection driven entirely through memory: the caller feeds ciphertext from the peer
// and collects ciphertext to write. No sockets, no event loop — the proxy owns both.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tls/context_anchor.h"
#include "tls/wolfssl.h"

namespace pier::tls {

// A client session saved after a handshake, to resume a later connection with it.
struct SavedSessionFree {
  void operator()(WOLFSSL_SESSION* s) const { wolfSSL_SESSION_free(s); }
};
using SavedSession = std::shared_ptr<WOLFSSL_SESSION>;

class Session {
 public:
  enum class Status { Ok, Closed, Error };

  // Server side. nullptr only when wolfSSL cannot allocate.
  static std::unique_ptr<Session> accept(WOLFSSL_CTX* ctx);
  // Client side: SNI (omitted when empty or an IP literal), name verified against the peer
  // certificate unless the context skips verification (empty = no name check), ALPN offered.
  // `resume`, when given, offers that earlier session (ticket) for resumption.
  static std::unique_ptr<Session> connect(WOLFSSL_CTX* ctx, std::string_view sni,
                                          std::string_view verify_name,
                                          const std::vector<std::string>& alpn,
                                          const SavedSession& resume = nullptr);

  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Ciphertext from the peer. Drives the handshake; decrypted application bytes are APPENDED to
  // `plaintext`. Error on a fatal TLS error (errorText() says why), Closed once the peer's
  // close_notify arrived. After Error or Closed further calls change nothing; after Error,
  // takeOutput() may still hold the alert telling the peer why (send it, then close).
  Status receive(const char* data, std::size_t len, std::string& plaintext);
  // Application bytes to encrypt; buffered internally until the handshake is done.
  Status send(std::string_view plaintext);
  // Ciphertext (handshake records, alerts, encrypted data) to write to the peer; moves it out.
  std::string takeOutput();
  bool hasOutput() const { return !out_.empty(); }
  // Queues close_notify.
  void shutdown();

  bool handshakeDone() const { return done_; }
  std::string_view alpn() const { return alpn_; }
  std::string_view sni() const { return sni_; }          // server side: what the client asked for
  std::string_view version() const { return version_; }  // "TLSv1.3"
  std::string_view cipher() const { return cipher_; }    // IANA name when known
  bool resumed() const { return resumed_; }
  // Peer chain as PEM, leaf first; empty if the peer sent none.
  std::vector<std::string> peerCertificatesPem() const;
  const std::string& errorText() const { return error_; }

  // Client side: the session to resume a later connection with (after the handshake; for TLS
  // 1.3 once the server's ticket has been received). nullptr if none.
  SavedSession saveSession() const;

  // Bytes received but not yet consumed by the TLS engine (bounded by one record).
  std::size_t bufferedInput() const { return in_.size() - in_pos_; }

 private:
  Session(WOLFSSL* ssl, bool server);
  static int onRecv(WOLFSSL* ssl, char* buf, int sz, void* ctx);
  static int onSend(WOLFSSL* ssl, char* buf, int sz, void* ctx);
  Status drive(std::string* plaintext);
  Status failWith(int ret);
  void captureHandshakeFacts();
  Status flushPending();

  std::shared_ptr<const ContextAnchor> anchor_;  // what the context's callbacks point into
  WOLFSSL* ssl_;
  bool server_;
  bool done_ = false;
  bool closed_ = false;
  bool failed_ = false;
  bool resumed_ = false;
  std::string in_;
  std::size_t in_pos_ = 0;
  std::string out_;
  std::string pending_;
  std::string error_;
  std::string alpn_, sni_, version_, cipher_;
};

}  // namespace pier::tls
