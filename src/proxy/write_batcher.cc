#include "proxy/write_batcher.h"

#include "proxy/tcp_connection.h"

namespace pier::proxy {

WriteBatcher::WriteBatcher(uv_loop_t* loop) : check_(new uv_check_t()) {
  uv_check_init(loop, check_);
  check_->data = this;
}

WriteBatcher::~WriteBatcher() {
  close();
}

void WriteBatcher::close() {
  if (check_ == nullptr) {
    return;
  }
  check_->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(check_),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_check_t*>(h); });
  check_ = nullptr;
}

void WriteBatcher::schedule(TcpConnection* conn) {
  queued_.push_back(conn);
  if (!active_ && check_ != nullptr) {
    active_ = true;
    uv_check_start(check_, &WriteBatcher::checkCb);
  }
}

void WriteBatcher::checkCb(uv_check_t* check) {
  if (check->data != nullptr) {
    static_cast<WriteBatcher*>(check->data)->flushAll();
  }
}

void WriteBatcher::flushAll() {
  // A flush can fail and close a connection, which never schedules again: swapping first keeps
  // the loop over a stable list.
  flushing_.swap(queued_);
  for (TcpConnection* conn : flushing_) {
    conn->flushQueued();
  }
  flushing_.clear();
  if (queued_.empty() && check_ != nullptr) {
    active_ = false;
    uv_check_stop(check_);
  }
}

}  // namespace pier::proxy
