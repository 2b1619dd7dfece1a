// The control loop's state: latest configuration per provider, the merge, the build and the
// publication of snapshots to every worker.
// Thread: control loop only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "config/dynamic_model.h"
#include "config/static_config.h"
#include "control/snapshot_builder.h"
#include "runtime/snapshot.h"

namespace pier::observability {
class ApiDocuments;
class Health;
class MetricsRegistry;
}  // namespace pier::observability

namespace pier::app {

class ControlPlane {
 public:
  using Publish = std::function<void(runtime::SnapshotConstSharedPtr)>;

  ControlPlane(const config::StaticConfig& config, std::vector<std::string> entry_point_names,
               Publish publish);

  // A provider's complete configuration (names not yet qualified). `default_rule_routers` are
  // the (unqualified) routers whose rule came from the provider's defaultRule.
  void onProviderConfig(const std::string& provider, config::DynamicConfig cfg,
                        const std::set<std::string>& default_rule_routers = {});
  // Builds and publishes from what is known now (also used for the first, internal-only one).
  void rebuild();

  std::uint64_t generation() const { return generation_; }
  // Renders the API documents of the current generation again (a health check changed a
  // server's status: serverStatus is read from the flags).
  void republishApi();
  // Rebuilds when a certificate, key or CA file the TLS configuration read has changed on disk
  // (size or modification time); unchanged ones are reused, so connections are not dropped.
  void pollCertificateFiles();
  // Optional: series ids and reload figures (metrics), first configurations (readiness).
  void setObservers(observability::MetricsRegistry* metrics, observability::Health* health,
                    observability::ApiDocuments* api = nullptr) {
    metrics_ = metrics;
    health_ = health;
    api_ = api;
  }

 private:
  const config::StaticConfig& config_;
  std::vector<std::string> entry_point_names_;
  Publish publish_;
  std::map<std::string, config::DynamicConfig> latest_;  // by provider, qualified
  runtime::SnapshotConstSharedPtr last_;  // the generation published last (TLS reuse)
  // What the API documents of `last_` were rendered from (republishApi).
  config::DynamicConfig last_merged_;
  control::BuildReport last_report_;
  std::map<std::string, std::set<std::string>> default_rule_routers_;  // by provider, qualified
  std::uint64_t generation_ = 0;
  std::map<std::string, std::string> file_stamps_;  // path -> "size:mtime" at the last build
  observability::MetricsRegistry* metrics_ = nullptr;
  observability::Health* health_ = nullptr;
  observability::ApiDocuments* api_ = nullptr;
  std::string start_date_;  // for /api/version
};

// How often certificate files are checked for changes.
inline constexpr std::uint64_t kCertificatePollMs = 2000;

}  // namespace pier::app
