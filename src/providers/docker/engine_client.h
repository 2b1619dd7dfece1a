// EngineClient: the Docker Engine API calls the Docker provider needs (spec A.8, B.1), over the
// unix socket (default), plain TCP, or HTTPS with client TLS; all through CurlMulti on the
// control loop. Read-only endpoints only (/version, /containers, /events), so Pier works behind
// a socket proxy that allows VERSION, CONTAINERS and EVENTS.
//
// Thread: control loop. Lifetime: owned by DockerProvider; borrows the CurlMulti, which must
// outlive it. Destroying the client cancels its requests (no callback afterwards).
// Callbacks never run before the starting call returns (R6).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "config/static_config.h"
#include "providers/curl_multi.h"
#include "providers/docker/container_info.h"
#include "providers/docker/engine_parse.h"

namespace pier::providers::docker {

struct EngineSettings {
  std::string endpoint = "unix:///var/run/docker.sock";
  std::string username;  // HTTP Basic auth when both are set (socket proxies)
  std::string password;
  std::optional<HttpTls> tls;
  std::chrono::milliseconds http_client_timeout{0};  // per call; never the event stream
  std::string api_version;  // DOCKER_API_VERSION: use this instead of negotiating
};

/// providers.docker + the Docker client's environment variables, which win over `endpoint`
/// (spec A.8): DOCKER_HOST, DOCKER_API_VERSION, DOCKER_CERT_PATH (+ DOCKER_TLS_VERIFY).
EngineSettings engineSettingsFrom(const config::DockerProvider& p,
                                  const std::map<std::string, std::string>& env);

// Where requests go, derived from EngineSettings::endpoint.
struct EngineEndpoint {
  std::string base_url;     // "http://localhost" (unix), "http://h:2375", "https://h:2376"
  std::string unix_socket;  // non-empty for unix://
};
Result<EngineEndpoint> resolveEndpoint(const EngineSettings& settings);

class EngineClient {
 public:
  using RequestId = CurlMulti::RequestId;

  /// Fails (Config error) when the endpoint cannot be understood (e.g. ssh://).
  static Result<std::unique_ptr<EngineClient>> create(CurlMulti& curl, EngineSettings settings);
  ~EngineClient();
  EngineClient(const EngineClient&) = delete;
  EngineClient& operator=(const EngineClient&) = delete;

  const std::string& endpointText() const { return settings_.endpoint; }
  /// "" until version() succeeded (or pinned by DOCKER_API_VERSION).
  const std::string& apiVersion() const { return api_version_; }

  /// GET /version; on success the API version used by later calls is min(daemon, 1.43).
  RequestId version(std::function<void(Result<EngineVersion>)> cb);
  /// GET /containers/json?all=1 (every state: the model decides what to keep, spec B.2).
  RequestId listContainers(std::function<void(Result<std::vector<ContainerSummary>>)> cb);
  /// GET /containers/{id}/json. nullopt when the container no longer exists (404).
  RequestId inspect(const std::string& id,
                    std::function<void(Result<std::optional<ContainerInfo>>)> cb);
  /// GET /events filtered on container and network events. `on_subscribed` runs once the daemon
  /// answered 200 (events after that point are delivered); `on_end` runs once when the stream
  /// ends for any reason (daemon gone, HTTP error, closed): the caller reconnects.
  RequestId events(std::function<void()> on_subscribed, std::function<void(EngineEvent)> on_event,
                   std::function<void(Error)> on_end);
  void cancel(RequestId id);
  void cancelAll();

 private:
  EngineClient(CurlMulti& curl, EngineSettings settings, EngineEndpoint endpoint);
  HttpRequest request(const std::string& path, bool versioned) const;
  RequestId get(const std::string& path, bool versioned,
                std::function<void(Result<HttpResponse>)> cb);
  void forget(RequestId id) { pending_.erase(id); }

  CurlMulti& curl_;
  EngineSettings settings_;
  EngineEndpoint endpoint_;
  std::string api_version_;
  std::set<RequestId> pending_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace pier::providers::docker
