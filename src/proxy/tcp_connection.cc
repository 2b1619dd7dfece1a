#include "proxy/tcp_connection.h"

#include "proxy/write_batcher.h"
#include "tls/session.h"

#include <cstdlib>

namespace pier::proxy {
namespace {

// One read buffer per worker thread: a read is consumed (parsed or copied) before the callback
// returns, so connections need no buffer of their own while idle.
constexpr std::size_t kReadBufferSize = 64 * 1024;
thread_local char t_read_buffer[kReadBufferSize];
thread_local bool t_read_buffer_busy = false;

struct WriteOp {
  uv_write_t req{};
  std::string bytes;  // R5: the request owns the bytes it writes
  TcpConnection* owner = nullptr;
};

}  // namespace

TcpConnection::TcpConnection(uv_loop_t* loop, WriteBatcher& batcher) : batcher_(batcher) {
  if (uv_tcp_init(loop, &tcp_) != 0) {
    std::abort();  // uv_tcp_init only fails on fd exhaustion of the loop itself
  }
  tcp_.data = this;
}

TcpConnection::~TcpConnection() = default;

void TcpConnection::close() {
  if (closing_) {
    return;
  }
  closing_ = true;
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), &TcpConnection::closedCb);
}

void TcpConnection::send(std::string&& bytes) {
  if (closing_ || bytes.empty()) {
    return;
  }
  if (tls_) {
    tls_->send(bytes);
    queueTlsOutput();
    return;
  }
  queueRaw(std::move(bytes));
}

void TcpConnection::queueTlsOutput() {
  if (tls_->hasOutput()) {
    queueRaw(tls_->takeOutput());
  }
}

void TcpConnection::startTls(std::unique_ptr<tls::Session> session, std::string_view already_read) {
  tls_ = std::move(session);
  tls_handshake_reported_ = false;
  if (!already_read.empty()) {
    receiveTls(already_read.data(), already_read.size());
  } else {
    queueTlsOutput();  // a client session's ClientHello
  }
}

// Ciphertext in: handshake progress and alerts go straight back out; plaintext goes up.
void TcpConnection::receiveTls(const char* data, std::size_t len) {
  std::string plain;
  tls::Session::Status status = tls_->receive(data, len, plain);
  queueTlsOutput();
  if (status == tls::Session::Status::Error) {
    stopReading();
    onTlsError(tls_->errorText());
    return;
  }
  if (!tls_handshake_reported_ && tls_->handshakeDone()) {
    tls_handshake_reported_ = true;
    onTlsHandshakeDone();
    if (closing_) {
      return;
    }
  }
  if (!plain.empty()) {
    onRead(plain.data(), plain.size());
  }
  if (status == tls::Session::Status::Closed && !closing_) {
    stopReading();
    onEof();
  }
}

void TcpConnection::onTlsError(const std::string&) {
  onReadError(UV_EPROTO);
}

void TcpConnection::queueRaw(std::string&& bytes) {
  if (closing_ || bytes.empty()) {
    return;
  }
  pending_write_bytes_ += bytes.size();
  if (queued_.empty()) {
    queued_ = std::move(bytes);
  } else {
    queued_ += bytes;
  }
  if (!flush_scheduled_) {
    flush_scheduled_ = true;
    batcher_.schedule(this);
  }
}

void TcpConnection::flushQueued() {
  flush_scheduled_ = false;
  if (closing_ || queued_.empty()) {
    return;
  }
  auto* op = new WriteOp();
  op->bytes = std::move(queued_);
  queued_.clear();
  op->owner = this;
  op->req.data = op;
  uv_buf_t buf = uv_buf_init(op->bytes.data(), static_cast<unsigned>(op->bytes.size()));
  int rc = uv_write(&op->req, stream(), &buf, 1, &TcpConnection::writeCb);
  if (rc != 0) {
    // R6: never report synchronously; the connection is failing, so close it and let the
    // owner observe the close.
    pending_write_bytes_ -= op->bytes.size();
    delete op;
    close();
  }
}

bool TcpConnection::startReading() {
  if (closing_ || reading_) {
    return !closing_;
  }
  if (uv_read_start(stream(), &TcpConnection::allocCb, &TcpConnection::readCb) != 0) {
    return false;
  }
  reading_ = true;
  return true;
}

void TcpConnection::stopReading() {
  if (reading_ && !closing_) {
    uv_read_stop(stream());
  }
  reading_ = false;
}

void TcpConnection::shutdownWrite() {
  if (closing_) {
    return;
  }
  if (tls_) {
    tls_->shutdown();  // close_notify goes out before the FIN
    queueTlsOutput();
  }
  flushQueued();  // the FIN must follow every byte already sent
  if (closing_) {
    return;
  }
  auto* req = new uv_shutdown_t();
  if (uv_shutdown(req, stream(), &TcpConnection::shutdownCb) != 0) {
    delete req;
  }
}

void TcpConnection::allocCb(uv_handle_t*, std::size_t, uv_buf_t* buf) {
  if (t_read_buffer_busy) {
    // Re-entrant read on this thread (should not happen with libuv's loop): use the heap.
    buf->base = static_cast<char*>(std::malloc(kReadBufferSize));
    buf->len = buf->base ? kReadBufferSize : 0;
    return;
  }
  t_read_buffer_busy = true;
  buf->base = t_read_buffer;
  buf->len = kReadBufferSize;
}

void TcpConnection::readCb(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  auto* self = static_cast<TcpConnection*>(s->data);
  bool shared = buf->base == t_read_buffer;
  if (nread > 0 && !self->closing_) {
    if (self->tls_) {
      self->receiveTls(buf->base, static_cast<std::size_t>(nread));
    } else {
      self->onRead(buf->base, static_cast<std::size_t>(nread));
    }
  } else if (nread == UV_EOF && !self->closing_) {
    self->stopReading();
    self->onEof();
  } else if (nread < 0 && !self->closing_) {
    self->stopReading();
    self->onReadError(static_cast<int>(nread));
  }
  if (shared) {
    t_read_buffer_busy = false;
  } else if (buf->base != nullptr) {
    std::free(buf->base);
  }
}

void TcpConnection::writeCb(uv_write_t* req, int status) {
  auto* op = static_cast<WriteOp*>(req->data);
  TcpConnection* self = op->owner;  // alive: write callbacks precede the close callback (R2)
  self->pending_write_bytes_ -= op->bytes.size();
  delete op;
  if (!self->closing_) {
    self->onWriteDone(status);
  }
}

void TcpConnection::shutdownCb(uv_shutdown_t* req, int) {
  delete req;
}

void TcpConnection::closedCb(uv_handle_t* handle) {
  auto* self = static_cast<TcpConnection*>(handle->data);
  self->onClosed();
  delete self;  // the only delete of a TcpConnection
}

}  // namespace pier::proxy
