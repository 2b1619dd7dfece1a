#include "app/control_plane.h"

#include <sys/stat.h>

#include <ctime>

#include "app/api_view.h"
#include "app/cert_metrics.h"
#include "base/log.h"
#include "config/dynamic_merge.h"
#include "control/snapshot_builder.h"
#include "observability/api_documents.h"
#include "observability/health.h"
#include "observability/metrics_registry.h"
#include "tls/server_tls.h"

namespace pier::app {

ControlPlane::ControlPlane(const config::StaticConfig& config,
                           std::vector<std::string> entry_point_names, Publish publish)
    : config_(config),
      entry_point_names_(std::move(entry_point_names)),
      publish_(std::move(publish)) {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  start_date_ = buf;
}

void ControlPlane::onProviderConfig(const std::string& provider, config::DynamicConfig cfg,
                                    const std::set<std::string>& default_rule_routers) {
  config::qualifyNames(cfg, provider);
  std::set<std::string> guarded;
  for (const std::string& r : default_rule_routers) {
    guarded.insert(r.find('@') == std::string::npos ? r + "@" + provider : r);
  }
  auto it = latest_.find(provider);
  if (it != latest_.end() && it->second == cfg && default_rule_routers_[provider] == guarded) {
    // spec I.1 step 3 / I1.8: an identical configuration is not applied again (a container
    // without labels starting, a file saved unchanged).
    log::debug("provider " + provider + ": configuration unchanged, not reloading");
    if (health_ != nullptr) {
      health_->providerDelivered(provider);
    }
    return;
  }
  default_rule_routers_[provider] = std::move(guarded);
  latest_[provider] = std::move(cfg);
  rebuild();
  if (health_ != nullptr) {
    health_->providerDelivered(provider);  // readiness: published to the workers
  }
  if (metrics_ != nullptr) {
    auto now = std::chrono::system_clock::now().time_since_epoch();
    metrics_->configReloaded(std::chrono::duration<double>(now).count());
  }
}

namespace {

// Size and modification time; "" when the file cannot be read (a change too).
std::string fileStamp(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return {};
  }
  return std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
         std::to_string(st.st_mtim.tv_nsec);
}

}  // namespace

void ControlPlane::rebuild() {
  config::DynamicConfig merged;
  for (const auto& [provider, cfg] : latest_) {
    for (const std::string& w : config::mergeFirstWins(merged, cfg)) {
      log::warn("provider " + provider + ": " + w);
    }
  }
  auto started = std::chrono::steady_clock::now();
  std::set<std::string> guarded;
  for (const auto& [provider, routers] : default_rule_routers_) {
    guarded.insert(routers.begin(), routers.end());
  }
  control::BuildResult built =
      control::buildSnapshot(config_, entry_point_names_, merged, ++generation_, guarded,
                             last_ ? last_->server_tls.get() : nullptr, metrics_, last_.get());
  for (const std::string& e : built.report.errors) {
    log::error(e);
  }
  for (const std::string& w : built.report.warnings) {
    log::warn(w);
  }
  auto took = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - started);
  log::info("configuration generation " + std::to_string(generation_) + " built in " +
            std::to_string(took.count()) +
            " us: " + std::to_string(built.snapshot->routers.size()) + " routers, " +
            std::to_string(built.snapshot->services.size()) + " services");
  last_ = built.snapshot;
  file_stamps_.clear();
  for (const std::string& path : last_->server_tls->watchedFiles()) {
    file_stamps_[path] = fileStamp(path);
  }
  if (metrics_ != nullptr) {  // traefik_tls_certs_not_after (also after a certificate poll)
    publishCertificateExpiry(*last_->server_tls, *metrics_);
  }
  if (api_ != nullptr) {
    api_->publish(buildApiDocuments(config_, entry_point_names_, merged, built, start_date_));
    last_report_ = built.report;
    last_merged_ = std::move(merged);
  }
  publish_(built.snapshot);
}

void ControlPlane::republishApi() {
  if (api_ == nullptr || last_ == nullptr) {
    return;
  }
  control::BuildResult built{last_, last_report_};
  api_->publish(buildApiDocuments(config_, entry_point_names_, last_merged_, built, start_date_));
}

void ControlPlane::pollCertificateFiles() {
  for (const auto& [path, stamp] : file_stamps_) {
    if (fileStamp(path) != stamp) {
      log::info("TLS file " + path + " changed on disk; reloading the TLS configuration");
      rebuild();
      return;
    }
  }
}

}  // namespace pier::app
