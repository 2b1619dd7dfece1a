// Per-source state shared by every worker (rateLimit buckets, inFlightReq counters).
//
// Why a sharded mutex and not atomics or per-worker copies: the limits are per source across the
// whole process (as in Traefik, one process), so per-worker copies would multiply them by the
// worker count; the keys are open-ended strings, so a fixed table of atomics would need a
// lock-free hash map. A lock per shard held for a few hundred nanoseconds, with the key hashed
// over 32 shards, keeps workers from meeting except on the same shard at the same instant.
#pragma once

#include <array>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

namespace pier::middleware {

template <class State>
class SourceTable {
 public:
  // Runs fn(state) under the shard lock; the state is created on first use.
  template <class Fn>
  auto with(const std::string& key, Fn&& fn) {
    Shard& s = shards_[std::hash<std::string>{}(key) % kShards];
    std::lock_guard<std::mutex> lock(s.mutex);
    return fn(s.map[key]);
  }
  // Drops the entries for which keep(state) is false, in the shard of `key` only (amortized
  // cleanup on the request path, no background thread).
  template <class Keep>
  void sweepShardOf(const std::string& key, std::size_t above, Keep&& keep) {
    Shard& s = shards_[std::hash<std::string>{}(key) % kShards];
    std::lock_guard<std::mutex> lock(s.mutex);
    if (s.map.size() <= above) {
      return;
    }
    std::erase_if(s.map, [&](auto& kv) { return !keep(kv.second); });
  }
  template <class Fn>
  void eraseIf(const std::string& key, Fn&& fn) {
    Shard& s = shards_[std::hash<std::string>{}(key) % kShards];
    std::lock_guard<std::mutex> lock(s.mutex);
    auto it = s.map.find(key);
    if (it != s.map.end() && fn(it->second)) {
      s.map.erase(it);
    }
  }

 private:
  static constexpr std::size_t kShards = 32;
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, State> map;
  };
  std::array<Shard, kShards> shards_;
};

}  // namespace pier::middleware
