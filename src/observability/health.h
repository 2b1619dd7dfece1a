// Liveness and readiness of the process (served as /live and /ready next to /ping).
//
// Liveness: every worker loop stamps a heartbeat from its periodic sweep; /live fails when any
// stamp is older than a threshold, i.e. a loop is stuck (blocked in a callback or spinning).
// Readiness: every enabled provider has delivered its first configuration and every listener is
// bound; draining is checked by the caller (proxy::ProcessState).
// Thread: heartbeat() from its worker only; the rest from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>

namespace pier::observability {

class Health {
 public:
  // Milliseconds on the steady clock: the unit of heartbeats.
  static std::int64_t nowMs();

  explicit Health(std::size_t workers);

  // Worker `worker` is alive at `now_ms`. One relaxed store to a line of its own.
  void heartbeat(std::size_t worker, std::int64_t now_ms) {
    if (worker < workers_) {
      beats_[worker].ms.store(now_ms, std::memory_order_relaxed);
    }
  }
  // Empty when every worker stamped within `threshold_ms` of `now_ms`; else why not.
  std::string liveProblem(std::int64_t now_ms, std::int64_t threshold_ms) const;

  // Control thread: a provider that must deliver before the process is ready.
  void expectProvider(const std::string& name);
  void providerDelivered(const std::string& name);
  void setListenersBound() { listeners_bound_.store(true, std::memory_order_release); }
  // Empty when ready; else why not (ignores draining).
  std::string readyProblem() const;

 private:
  struct alignas(64) Beat {
    std::atomic<std::int64_t> ms{0};
  };
  std::size_t workers_;
  std::unique_ptr<Beat[]> beats_;
  std::atomic<bool> listeners_bound_{false};
  mutable std::mutex mu_;
  std::set<std::string> waiting_;  // expected providers without a first configuration yet
};

}  // namespace pier::observability
