// Pure parsing of Docker Engine API documents: /version, /containers/json, /containers/{id}/json
// and the newline-delimited JSON of /events. No I/O, no loop; any thread. nlohmann::json's
// exceptions are caught here and returned as Config-free Upstream errors (the daemon sent it).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "providers/docker/container_info.h"

namespace pier::providers::docker {

// Newest Engine API version Pier speaks; the daemon's own version is used when it is older.
inline constexpr std::string_view kMaxApiVersion = "1.43";
// Oldest version Traefik v3 supports (spec A.8); older daemons get a warning, not a refusal.
inline constexpr std::string_view kMinApiVersion = "1.40";

struct EngineVersion {
  std::string version;          // "20.10.24+dfsg1"
  std::string api_version;      // "1.41"
  std::string min_api_version;  // "1.12"
  std::string os;               // "linux"
};

struct ContainerSummary {
  std::string id;
  std::string name;   // first name, without the leading '/'
  std::string state;  // running | paused | exited | created | ...
};

// One event of interest: the container it concerns and what happened.
struct EngineEvent {
  std::string type;          // "container" | "network" | other
  std::string action;        // "start", "health_status: healthy", "connect", ...
  std::string actor_id;      // Actor.ID (the container, or the network for network events)
  std::string container_id;  // the container concerned ("" when none)
  std::string name;          // Actor.Attributes.name (container or network name)
  std::int64_t time_nano = 0;
};

enum class EventEffect : std::uint8_t {
  None,       // exec_*, attach, resize, top, ... or events of other types
  Reinspect,  // the container's facts may have changed: inspect it again
  Remove,     // the container is gone (destroy)
};

Result<EngineVersion> parseVersion(std::string_view body);
/// min(daemon, kMaxApiVersion); "1.24" when the daemon did not say (Docker's client does so).
std::string negotiateApiVersion(std::string_view daemon_api);
/// Compares "1.41" and "1.9" numerically: <0, 0, >0.
int compareApiVersions(std::string_view a, std::string_view b);

Result<std::vector<ContainerSummary>> parseContainerList(std::string_view body);
Result<ContainerInfo> parseContainerInspect(std::string_view body);
Result<EngineEvent> parseEvent(std::string_view line);
EventEffect classifyEvent(const EngineEvent& event);
/// The "message" of a Docker error body, or the body itself (shortened) when it is not JSON.
std::string errorMessageFromBody(std::string_view body);

// Splits a chunked event stream into lines at any byte boundary and parses each complete line.
class EventStreamParser {
 public:
  // Lines longer than this are dropped (with an error) so a broken peer cannot grow the buffer.
  static constexpr std::size_t kMaxLineBytes = 1u << 20;

  /// Feeds bytes as received; returns the events (or per-line errors) completed by them.
  std::vector<Result<EngineEvent>> feed(std::string_view chunk);
  std::size_t bufferedBytes() const { return buf_.size(); }

 private:
  std::string buf_;
  bool discarding_ = false;  // inside an over-long line: skip to the next newline
};

}  // namespace pier::providers::docker
