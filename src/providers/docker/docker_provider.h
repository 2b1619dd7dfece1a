// DockerProvider: the Docker discovery loop (spec B.1, I.3) on the control loop.
//
//   connect: GET /version (negotiates the API version)
//   watch:   GET /events (container + network) first, then once the daemon answered 200:
//   resync:  GET /containers/json?all=1, inspect every container, emit the complete list
//   live:    each event marks its container dirty (destroy: removed); after a short coalescing
//            pause only the dirty containers are inspected again (404: removed), then the
//            complete list is emitted again
//   failure: (version/list/inspect transport error, stream closed) the last emitted list stays in
//            force (nothing empty is emitted), one ERROR line per outage, reconnect with
//            exponential back-off, then a full resync replaces the list
//
// watch=false: as Traefik, the containers are listed once (retrying until that succeeds) and
// never again (spec A.8).
//
// Improvements over Traefik's loop (spec B.1 allows them): pause/unpause/stop/kill/rename/destroy
// and network connect/disconnect are acted on; only the container named in an event is inspected.
//
// Thread: control loop only. Lifetime: owned by the server; borrows the CurlMulti (must outlive
// it). `emit` must not destroy the provider.
#pragma once

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "providers/curl_multi.h"
#include "providers/docker/container_info.h"
#include "providers/docker/engine_client.h"

namespace pier::providers::docker {

struct DockerProviderOptions {
  bool watch = true;
  std::chrono::milliseconds coalesce{30};  // quiet time gathering a burst of events
  std::chrono::milliseconds backoff_initial{100};
  std::chrono::milliseconds backoff_max{5000};
  // A session that stayed up this long restarts the back-off from backoff_initial.
  std::chrono::milliseconds backoff_reset_after{10000};
};

// For the API / metrics (spec I.3 "SHOULD expose the provider state").
struct DockerProviderStatus {
  std::string endpoint;
  bool connected = false;  // the last resync succeeded and (watch) the event stream is open
  std::string api_version;
  std::string daemon_version;
  std::string last_error;  // "" when none since the last success
  std::chrono::system_clock::time_point last_error_time{};
  std::chrono::system_clock::time_point last_success{};  // last complete list emitted
  std::uint64_t emitted = 0;                             // lists emitted so far
  std::size_t containers = 0;                            // in the last list
};

class DockerProvider {
 public:
  /// The complete list of known containers (every state), sorted by name. Called after each
  /// resync and after each batch of events; never with a partial list.
  using Emit = std::function<void(const std::vector<ContainerInfo>& containers)>;
  using OnStatus = std::function<void(const DockerProviderStatus&)>;

  DockerProvider(uv_loop_t* loop, CurlMulti& curl, EngineSettings engine,
                 DockerProviderOptions options, Emit emit);
  ~DockerProvider();
  DockerProvider(const DockerProvider&) = delete;
  DockerProvider& operator=(const DockerProvider&) = delete;

  /// Starts connecting (asynchronously). Fails only when the endpoint is not understood.
  Result<void> start();
  /// Cancels requests and closes the timers; no callback afterwards.
  void stop();

  const DockerProviderStatus& status() const { return status_; }
  /// Called whenever `connected` or `last_error` changes. Optional.
  void setStatusObserver(OnStatus on_status) { on_status_ = std::move(on_status); }

 private:
  enum class Phase : std::uint8_t { Idle, Connecting, Subscribing, Resyncing, Live, Backoff, Done };

  void connect();
  void resync(std::uint64_t session);
  void onInspected(std::uint64_t session, const std::string& id,
                   Result<std::optional<ContainerInfo>> r, bool full);
  void onEvent(std::uint64_t session, const EngineEvent& ev);
  void scheduleRound();
  void runRound();
  void finishRound();
  void emitNow();
  void failSession(std::uint64_t session, const Error& error);
  void setStatus(bool connected, const std::string& error);
  uv_timer_t* makeTimer();
  static void closeTimer(uv_timer_t*& timer);

  uv_loop_t* loop_;
  CurlMulti& curl_;
  EngineSettings engine_settings_;
  DockerProviderOptions options_;
  Emit emit_;
  OnStatus on_status_;
  std::unique_ptr<EngineClient> engine_;
  uv_timer_t* coalesce_timer_ = nullptr;
  uv_timer_t* backoff_timer_ = nullptr;

  Phase phase_ = Phase::Idle;
  std::uint64_t session_ = 0;  // callbacks of older sessions are ignored
  std::chrono::steady_clock::time_point session_live_since_{};
  std::chrono::milliseconds backoff_{0};
  bool outage_logged_ = false;
  bool ever_synced_ = false;

  std::map<std::string, ContainerInfo> containers_;  // by id: what was last emitted
  std::map<std::string, ContainerInfo> fresh_;       // being built by a resync
  std::set<std::string> dirty_;                      // to inspect in the next round
  std::set<std::string> removed_;                    // destroyed since the last round
  std::size_t outstanding_ = 0;                      // inspects in flight (resync or round)
  bool round_in_flight_ = false;
  bool round_changed_ = false;
  DockerProviderStatus status_;
};

}  // namespace pier::providers::docker
