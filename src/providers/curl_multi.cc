#include "providers/curl_multi.h"

#include <curl/curl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <mutex>

#include "base/log.h"

namespace pier::providers {
namespace {

// While curl watches a socket it did not open through us (the threaded resolver's wake-up pair),
// we do not poll it (R10) and wake curl up this often instead.
constexpr std::uint64_t kForeignSocketTickMs = 20;

bool isInlinePem(const std::string& s) {
  return s.find("-----BEGIN") != std::string::npos;
}

CURLM* asMulti(void* p) {
  return static_cast<CURLM*>(p);
}

}  // namespace

struct CurlMulti::Transfer {
  RequestId id = 0;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  std::size_t max_body = 0;
  std::string unix_socket;  // for error messages
  OnData on_data;
  OnHead on_head;
  OnDone on_done;
  HttpResponse response;
  std::string pending_data;  // received inside curl, handed to on_data after curl returns
  bool head_complete = false;
  bool head_pending = false;  // on_head not yet called
  bool dirty = false;         // listed in CurlMulti::dirty_
  bool too_big = false;
  char errbuf[CURL_ERROR_SIZE] = {};
  CurlMulti* owner = nullptr;

  ~Transfer() {
    if (easy != nullptr) {
      curl_easy_cleanup(easy);
    }
    curl_slist_free_all(headers);
  }
};

struct CurlMulti::SocketPoll {
  uv_poll_t handle{};
  int fd = -1;
  CurlMulti* owner = nullptr;
};

// Trampolines with libcurl's exact signatures; they forward to members.
struct CurlMulti::Callbacks {
  static int socket(CURL*, curl_socket_t fd, int what, void* userp, void*) {
    return static_cast<CurlMulti*>(userp)->onSocket(fd, what);
  }
  static int timer(CURLM*, long timeout_ms, void* userp) {
    auto* self = static_cast<CurlMulti*>(userp);
    if (timeout_ms < 0) {
      uv_timer_stop(self->timer_);
      if (!self->foreign_fds_.empty()) {
        self->armTimer(kForeignSocketTickMs);
      }
    } else {
      self->armTimer(static_cast<std::uint64_t>(timeout_ms));
    }
    return 0;
  }
  static curl_socket_t openSocket(void* clientp, curlsocktype, curl_sockaddr* addr) {
    int fd = ::socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
    if (fd < 0) {
      return CURL_SOCKET_BAD;
    }
    static_cast<CurlMulti*>(clientp)->own_fds_.insert(fd);
    return fd;
  }
  static int closeSocket(void* clientp, curl_socket_t fd) {
    auto* self = static_cast<CurlMulti*>(clientp);
    self->closePoll(fd);  // uv_poll_stop before the fd dies (R10)
    self->own_fds_.erase(fd);
    return ::close(fd);
  }
  static std::size_t write(char* data, std::size_t size, std::size_t n, void* userp) {
    auto* t = static_cast<Transfer*>(userp);
    std::size_t len = size * n;
    if (!t->on_data && t->response.body.size() + len > t->max_body) {
      t->too_big = true;
      return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
    }
    (t->on_data ? t->pending_data : t->response.body).append(data, len);
    if (t->on_data) {
      t->owner->markDirty(*t);
    }
    return len;
  }
  static std::size_t header(char* data, std::size_t size, std::size_t n, void* userp) {
    auto* t = static_cast<Transfer*>(userp);
    std::string_view line(data, size * n);
    if (line.substr(0, 5) == "HTTP/") {
      t->response.headers.clear();  // a new response (after 100 Continue or a proxy CONNECT)
      return line.size();
    }
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
      line.remove_suffix(1);
    }
    if (line.empty()) {
      long status = 0;
      curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
      if (status >= 200 && !t->head_complete) {
        t->head_complete = true;
        t->response.status = status;
        if (t->on_head) {
          t->head_pending = true;
          t->owner->markDirty(*t);
        }
      }
      return size * n;
    }
    std::size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
        value.remove_prefix(1);
      }
      t->response.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
    }
    return size * n;
  }
  static void uvTimer(uv_timer_t* timer) {
    auto* self = static_cast<CurlMulti*>(timer->data);
    self->runDeferred();
    self->onSocketAction(CURL_SOCKET_TIMEOUT, 0);
  }
  static void poll(uv_poll_t* handle, int status, int events) {
    auto* p = static_cast<SocketPoll*>(handle->data);
    int flags = 0;
    if (status < 0) {
      flags = CURL_CSELECT_ERR;  // curl reads the error from the socket and fails the transfer
    } else {
      flags |= (events & UV_READABLE) != 0 ? CURL_CSELECT_IN : 0;
      flags |= (events & UV_WRITABLE) != 0 ? CURL_CSELECT_OUT : 0;
    }
    p->owner->onSocketAction(p->fd, flags);
  }
};

std::unique_ptr<CurlMulti> CurlMulti::create(uv_loop_t* loop) {
  static std::once_flag once;
  static CURLcode init_rc = CURLE_OK;
  std::call_once(once, [] { init_rc = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (init_rc != CURLE_OK) {
    log::error(std::string("libcurl: global init failed: ") + curl_easy_strerror(init_rc));
    return nullptr;
  }
  std::unique_ptr<CurlMulti> self(new CurlMulti(loop));
  if (self->multi_ == nullptr) {
    log::error("libcurl: cannot create a multi handle");
    return nullptr;
  }
  return self;
}

CurlMulti::CurlMulti(uv_loop_t* loop) : loop_(loop), alive_(std::make_shared<bool>(true)) {
  timer_ = new uv_timer_t();
  uv_timer_init(loop_, timer_);
  timer_->data = this;
  CURLM* m = curl_multi_init();
  multi_ = m;
  if (m == nullptr) {
    return;
  }
  curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, &Callbacks::socket);
  curl_multi_setopt(m, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, &Callbacks::timer);
  curl_multi_setopt(m, CURLMOPT_TIMERDATA, this);
  // A long-lived event stream holds one connection; leave room for parallel inspects.
  curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, 8L);
}

CurlMulti::~CurlMulti() {
  *alive_ = false;
  for (auto& [id, t] : transfers_) {
    curl_multi_remove_handle(asMulti(multi_), t->easy);
  }
  transfers_.clear();
  deferred_failures_.clear();
  if (multi_ != nullptr) {
    curl_multi_cleanup(asMulti(multi_));  // closes cached connections through closeSocket
  }
  while (!polls_.empty()) {
    closePoll(polls_.begin()->first);
  }
  timer_->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(timer_),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
}

CurlMulti::RequestId CurlMulti::start(HttpRequest req, OnData on_data, OnDone on_done,
                                      OnHead on_head) {
  RequestId id = next_id_++;
  auto t = std::make_unique<Transfer>();
  t->id = id;
  t->owner = this;
  t->max_body = req.max_body_bytes;
  t->unix_socket = req.unix_socket_path;
  t->on_data = std::move(on_data);
  t->on_head = std::move(on_head);
  t->on_done = std::move(on_done);
  auto defer = [&](std::string why) {
    deferred_failures_.push_back(
        DeferredFailure{id, std::move(t->on_done), Error::internal(req.url + ": " + why)});
    armTimer(0);
    return id;
  };
  CURL* e = curl_easy_init();
  if (e == nullptr) {
    return defer("cannot create a libcurl handle");
  }
  t->easy = e;
  bool ok = true;
  auto set = [&](CURLcode rc) { ok = ok && rc == CURLE_OK; };
  set(curl_easy_setopt(e, CURLOPT_URL, req.url.c_str()));
  if (!req.unix_socket_path.empty()) {
    set(curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, req.unix_socket_path.c_str()));
  }
  set(curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https"));
  set(curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L));
  set(curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L));
  if (req.follow_redirects) {
    set(curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L));
    set(curl_easy_setopt(e, CURLOPT_MAXREDIRS, 10L));
  }
  if (req.method == "HEAD") {
    set(curl_easy_setopt(e, CURLOPT_NOBODY, 1L));
  } else if (req.method != "GET") {
    set(curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req.method.c_str()));
  }
  if (!req.body.empty()) {
    set(curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size())));
    set(curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, req.body.c_str()));
  }
  t->headers = curl_slist_append(t->headers, "Expect:");
  for (const auto& [name, value] : req.headers) {
    t->headers = curl_slist_append(t->headers, (name + ": " + value).c_str());
  }
  set(curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers));
  set(curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeout.count())));
  set(curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                       static_cast<long>(req.connect_timeout.count())));
  if (!req.username.empty() && !req.password.empty()) {
    set(curl_easy_setopt(e, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC)));
    set(curl_easy_setopt(e, CURLOPT_USERNAME, req.username.c_str()));
    set(curl_easy_setopt(e, CURLOPT_PASSWORD, req.password.c_str()));
  }
  if (req.tls) {
    const HttpTls& tls = *req.tls;
    auto blob = [](const std::string& pem) {
      curl_blob b{const_cast<char*>(pem.data()), pem.size(), CURL_BLOB_COPY};
      return b;
    };
    if (!tls.ca.empty()) {
      curl_blob b = blob(tls.ca);
      set(isInlinePem(tls.ca) ? curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &b)
                              : curl_easy_setopt(e, CURLOPT_CAINFO, tls.ca.c_str()));
    }
    if (!tls.cert.empty()) {
      curl_blob b = blob(tls.cert);
      set(curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM"));
      set(isInlinePem(tls.cert) ? curl_easy_setopt(e, CURLOPT_SSLCERT_BLOB, &b)
                                : curl_easy_setopt(e, CURLOPT_SSLCERT, tls.cert.c_str()));
    }
    if (!tls.key.empty()) {
      curl_blob b = blob(tls.key);
      set(curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM"));
      set(isInlinePem(tls.key) ? curl_easy_setopt(e, CURLOPT_SSLKEY_BLOB, &b)
                               : curl_easy_setopt(e, CURLOPT_SSLKEY, tls.key.c_str()));
    }
    if (tls.insecure_skip_verify) {
      set(curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L));
      set(curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L));
    }
  }
  set(curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, &Callbacks::openSocket));
  set(curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, this));
  set(curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, &Callbacks::closeSocket));
  set(curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, this));
  set(curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Callbacks::write));
  set(curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get()));
  set(curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Callbacks::header));
  set(curl_easy_setopt(e, CURLOPT_HEADERDATA, t.get()));
  set(curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf));
  set(curl_easy_setopt(e, CURLOPT_PRIVATE,
                       reinterpret_cast<void*>(static_cast<std::uintptr_t>(id))));
  if (!ok) {
    return defer("unsupported request options (libcurl refused an option)");
  }
  if (callback_depth_ > 0) {
    log::error("curl: start() called from inside libcurl (bug)");
    return defer("started from inside libcurl");
  }
  if (curl_multi_add_handle(asMulti(multi_), e) != CURLM_OK) {
    return defer("libcurl refused the transfer");
  }
  transfers_.emplace(id, std::move(t));
  return id;
}

void CurlMulti::cancel(RequestId id) {
  std::erase_if(deferred_failures_, [id](const DeferredFailure& d) { return d.id == id; });
  auto it = transfers_.find(id);
  if (it == transfers_.end()) {
    return;
  }
  if (callback_depth_ > 0) {
    log::error("curl: cancel() called from inside libcurl (bug)");
    return;
  }
  curl_multi_remove_handle(asMulti(multi_), it->second->easy);
  transfers_.erase(it);
}

void CurlMulti::markDirty(Transfer& t) {
  if (!t.dirty) {
    t.dirty = true;
    dirty_.push_back(t.id);
  }
}

void CurlMulti::armTimer(std::uint64_t ms) {
  if (timer_->data != nullptr) {
    uv_timer_start(timer_, &Callbacks::uvTimer, ms, 0);
  }
}

int CurlMulti::onSocket(int fd, int what) {
  if (what == CURL_POLL_REMOVE) {
    foreign_fds_.erase(fd);
    auto it = polls_.find(fd);
    if (it != polls_.end()) {
      uv_poll_stop(&it->second->handle);  // the handle closes when curl closes the socket
    }
    return 0;
  }
  if (own_fds_.count(fd) == 0) {
    if (foreign_fds_.insert(fd).second && !uv_is_active(reinterpret_cast<uv_handle_t*>(timer_))) {
      armTimer(kForeignSocketTickMs);
    }
    return 0;
  }
  SocketPoll* p = nullptr;
  auto it = polls_.find(fd);
  if (it != polls_.end()) {
    p = it->second;
  } else {
    p = new SocketPoll();
    p->fd = fd;
    p->owner = this;
    p->handle.data = p;
    int rc = uv_poll_init_socket(loop_, &p->handle, fd);
    if (rc != 0) {
      delete p;  // libuv did not adopt the handle
      log::error(std::string("curl: cannot poll a socket: ") + uv_strerror(rc));
      return -1;
    }
    polls_.emplace(fd, p);
  }
  int events = 0;
  events |= (what == CURL_POLL_IN || what == CURL_POLL_INOUT) ? UV_READABLE : 0;
  events |= (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) ? UV_WRITABLE : 0;
  uv_poll_start(&p->handle, events, &Callbacks::poll);
  return 0;
}

void CurlMulti::closePoll(int fd) {
  auto it = polls_.find(fd);
  if (it == polls_.end()) {
    return;
  }
  SocketPoll* p = it->second;
  polls_.erase(it);
  uv_poll_stop(&p->handle);
  uv_close(reinterpret_cast<uv_handle_t*>(&p->handle),
           [](uv_handle_t* h) { delete static_cast<SocketPoll*>(h->data); });
}

void CurlMulti::onSocketAction(int fd, int flags) {
  int running = 0;
  ++callback_depth_;
  curl_multi_socket_action(asMulti(multi_), fd, flags, &running);
  --callback_depth_;
  drainCompleted();
}

void CurlMulti::runDeferred() {
  std::vector<DeferredFailure> failures;
  failures.swap(deferred_failures_);
  std::shared_ptr<bool> alive = alive_;
  for (auto& f : failures) {
    if (f.on_done) {
      f.on_done(fail(std::move(f.error)));
    }
    if (!*alive) {
      return;
    }
  }
}

void CurlMulti::drainCompleted() {
  // Read curl's completion messages first; user callbacks run only after curl has returned, so
  // they may start and cancel requests freely.
  std::vector<std::pair<RequestId, CURLcode>> done;
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(asMulti(multi_), &left)) {
    if (msg->msg != CURLMSG_DONE) {
      continue;
    }
    void* priv = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
    done.emplace_back(static_cast<RequestId>(reinterpret_cast<std::uintptr_t>(priv)),
                      msg->data.result);
  }
  std::shared_ptr<bool> alive = alive_;
  std::vector<RequestId> dirty;
  dirty.swap(dirty_);
  for (RequestId id : dirty) {
    auto it = transfers_.find(id);
    if (it == transfers_.end()) {
      continue;
    }
    Transfer& t = *it->second;
    t.dirty = false;
    if (t.head_pending) {
      t.head_pending = false;
      OnHead on_head = t.on_head;  // the callback may cancel (and so free) its own transfer
      on_head(t.response.status);
      if (!*alive || transfers_.count(id) == 0) {
        if (!*alive) {
          return;
        }
        continue;
      }
    }
    if (!t.pending_data.empty()) {
      std::string chunk;
      chunk.swap(t.pending_data);
      OnData on_data = t.on_data;  // as above
      on_data(chunk);
      if (!*alive) {
        return;
      }
    }
  }
  for (auto& [id, code] : done) {
    auto it = transfers_.find(id);
    if (it == transfers_.end()) {
      continue;  // cancelled by an earlier callback
    }
    std::unique_ptr<Transfer> t = std::move(it->second);
    transfers_.erase(it);
    curl_multi_remove_handle(asMulti(multi_), t->easy);
    Result<HttpResponse> result = std::move(t->response);
    if (t->too_big) {
      result = fail(
          Error::upstream("response body larger than " + std::to_string(t->max_body) + " bytes"));
    } else if (code != CURLE_OK) {
      std::string detail = t->errbuf[0] != '\0' ? t->errbuf : curl_easy_strerror(code);
      long os_errno = 0;
      curl_easy_getinfo(t->easy, CURLINFO_OS_ERRNO, &os_errno);
      if (code == CURLE_COULDNT_CONNECT && !t->unix_socket.empty()) {
        // curl words this as "localhost port 80"; name the socket instead.
        detail = "cannot connect to " + t->unix_socket +
                 (os_errno != 0 ? std::string(": ") + std::strerror(static_cast<int>(os_errno))
                                : std::string());
      }
      result = fail(Error{ErrorSource::Environment, std::move(detail), true});
    }
    OnDone cb = std::move(t->on_done);
    t.reset();
    if (cb) {
      cb(std::move(result));
    }
    if (!*alive) {
      return;
    }
  }
}

}  // namespace pier::providers
