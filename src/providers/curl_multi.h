// CurlMulti: libcurl's multi-socket API driven by a libuv loop (one uv_poll per socket that we
// opened, one uv_timer for curl's timeouts), with a small request API on top.
//
// Thread: the loop it was created on (the control loop) only; libcurl is never touched elsewhere
// (architecture T7). Lifetime: owned by one object (server, provider or test); destroying it
// cancels every transfer without calling back and closes its handles (they finish closing on the
// loop's own schedule, so run the loop once more before uv_loop_close).
//
// R10: we create and close every connection socket ourselves (CURLOPT_OPENSOCKETFUNCTION /
// CURLOPT_CLOSESOCKETFUNCTION), so a socket's uv_poll is always stopped, and its handle closed,
// before the fd is closed. Sockets curl makes on its own (the threaded resolver's wake-up pair)
// are never polled; curl's timer covers them. Poll errors reach curl as CURL_CSELECT_ERR.
#pragma once

#include <uv.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace pier::providers {

// Client TLS; each of ca/cert/key is a file path or inline PEM ("-----BEGIN ...").
struct HttpTls {
  std::string ca;
  std::string cert;
  std::string key;
  bool insecure_skip_verify = false;
};

struct HttpRequest {
  std::string url;               // http(s)://host[:port]/path?query; host is ignored over unix
  std::string unix_socket_path;  // non-empty: connect to this AF_UNIX socket instead
  std::string method = "GET";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{0};  // whole transfer; 0 = none (event streams)
  std::chrono::milliseconds connect_timeout{10000};
  std::optional<HttpTls> tls;
  std::string username;  // HTTP Basic auth when both are non-empty
  std::string password;
  std::size_t max_body_bytes = 64u << 20;  // buffered bodies only; larger → error
  bool follow_redirects = false;           // up to 10, as Go's client (health checks)
};

struct HttpResponse {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names as received
  std::string body;  // empty when the request streamed its body to on_data
};

class CurlMulti {
 public:
  using RequestId = std::uint64_t;
  /// Streaming body: each chunk as received. When set, the body is not buffered.
  using OnData = std::function<void(std::string_view chunk)>;
  /// Status line and headers are complete (the body may follow). Optional.
  using OnHead = std::function<void(long status)>;
  /// Exactly once per request unless cancelled: the response (any HTTP status) or a transport
  /// error (Environment, retryable).
  using OnDone = std::function<void(Result<HttpResponse>)>;

  /// Returns nullptr (logged) when libcurl cannot be initialised.
  static std::unique_ptr<CurlMulti> create(uv_loop_t* loop);
  ~CurlMulti();
  CurlMulti(const CurlMulti&) = delete;
  CurlMulti& operator=(const CurlMulti&) = delete;

  /// Starts a request. Never calls back before returning, even on immediate failure (R6).
  /// Callbacks run on the loop; a callback may call start() and cancel() (any request, its own
  /// included) but must not destroy this CurlMulti.
  RequestId start(HttpRequest request, OnData on_data, OnDone on_done, OnHead on_head = {});
  /// Stops a request; none of its callbacks run afterwards. Unknown/finished ids are ignored.
  void cancel(RequestId id);
  std::size_t activeForTest() const { return transfers_.size(); }

 private:
  struct Transfer;
  struct SocketPoll;

  struct Callbacks;  // libcurl/libuv trampolines, defined in the .cc (keeps curl.h private)
  friend struct Callbacks;

  explicit CurlMulti(uv_loop_t* loop);
  struct DeferredFailure {
    RequestId id;
    OnDone on_done;
    Error error;
  };

  int onSocket(int fd, int what);
  void onSocketAction(int fd, int flags);
  void markDirty(Transfer& t);
  void drainCompleted();
  void runDeferred();
  void closePoll(int fd);
  void armTimer(std::uint64_t ms);

  uv_loop_t* loop_;
  void* multi_ = nullptr;  // CURLM*
  uv_timer_t* timer_ = nullptr;
  RequestId next_id_ = 1;
  std::map<RequestId, std::unique_ptr<Transfer>> transfers_;
  std::map<int, SocketPoll*> polls_;  // fds we opened and that curl asked us to watch
  std::set<int> own_fds_;             // every fd opened by openSocketCb and not yet closed
  std::set<int> foreign_fds_;         // fds curl watches that we did not open (not polled)
  std::vector<DeferredFailure> deferred_failures_;  // reported from the timer (R6)
  std::vector<RequestId> dirty_;  // transfers with a head or data to hand out after curl returns
  int callback_depth_ = 0;        // >0 while inside curl (no remove_handle there)
  std::shared_ptr<bool> alive_;   // cleared by the destructor; checked after user callbacks
};

}  // namespace pier::providers
