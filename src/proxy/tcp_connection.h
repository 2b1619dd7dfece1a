// Base for objects that own exactly one uv_tcp_t (spec'd in docs/architecture.md §4.5, R1–R3).
// The object is heap-allocated, deleted only in the handle's close callback, and close() is
// idempotent. Writes own their bytes until libuv is done with them.
// Thread: the owning worker loop only.
#pragma once

#include <uv.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace pier::tls {
class Session;
}

namespace pier::proxy {

class WriteBatcher;

class TcpConnection {
 public:
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;

  // Starts closing; onClosed() then `delete this` run from the close callback. Safe to call from
  // inside our own callbacks and more than once.
  void close();
  bool isClosing() const { return closing_; }
  uv_tcp_t* tcp() { return &tcp_; }
  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&tcp_); }
  // Bytes queued or handed to libuv and not yet written.
  std::size_t pendingWriteBytes() const { return pending_write_bytes_; }
  // WriteBatcher only: hands the bytes queued this loop iteration to libuv in one write.
  void flushQueued();

 protected:
  TcpConnection(uv_loop_t* loop, WriteBatcher& batcher);
  virtual ~TcpConnection();

  // Queues bytes for writing; they leave with everything else queued in this loop iteration.
  // Completion arrives via onWriteDone(). With TLS started these are plaintext: the session
  // encrypts them (and holds them until its handshake is done).
  void send(std::string&& bytes);
  // Puts a TLS session between the socket and this object (the stream seam): from now on
  // onRead() receives plaintext and send() takes plaintext. `already_read` is ciphertext read
  // before the session existed (the peeked ClientHello); a client session's first flight is
  // written at once.
  void startTls(std::unique_ptr<tls::Session> session, std::string_view already_read);
  tls::Session* tlsSession() const { return tls_.get(); }
  bool startReading();
  void stopReading();
  // Half-closes our sending side after queued writes (FIN).
  void shutdownWrite();

  virtual void onRead(const char* data, std::size_t len) = 0;
  virtual void onEof() = 0;
  virtual void onReadError(int status) = 0;
  // Called after each completed write while open; status < 0 on failure.
  virtual void onWriteDone(int status) { (void)status; }
  virtual void onClosed() {}
  // TLS only: the handshake finished (before any plaintext of the peer is delivered).
  virtual void onTlsHandshakeDone() {}
  // TLS only: the session failed (bad handshake, failed verification, corrupt record). Reading
  // has stopped; the default treats it as a read error.
  virtual void onTlsError(const std::string& why);

 private:
  static void allocCb(uv_handle_t* handle, std::size_t suggested, uv_buf_t* buf);
  static void readCb(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void writeCb(uv_write_t* req, int status);
  static void shutdownCb(uv_shutdown_t* req, int status);
  static void closedCb(uv_handle_t* handle);
  void queueRaw(std::string&& bytes);
  void receiveTls(const char* data, std::size_t len);
  void queueTlsOutput();

  uv_tcp_t tcp_{};
  WriteBatcher& batcher_;
  std::string queued_;  // bytes sent this iteration, not yet handed to libuv
  bool flush_scheduled_ = false;
  std::size_t pending_write_bytes_ = 0;
  bool closing_ = false;
  bool reading_ = false;
  bool tls_handshake_reported_ = false;
  std::unique_ptr<tls::Session> tls_;
};

}  // namespace pier::proxy
