#include "control/snapshot_build_context.h"

#include <iterator>

namespace pier::control {

std::size_t SnapshotBuildContext::entryPointIndex(const std::string& name) const {
  for (std::size_t i = 0; i < entry_point_names.size(); ++i) {
    if (entry_point_names[i] == name) {
      return i;
    }
  }
  return entry_point_names.size();
}

std::vector<std::size_t> SnapshotBuildContext::defaultEntryPoints() const {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < entry_point_names.size(); ++i) {
    const auto& ep = static_config.entry_points.at(entry_point_names[i]);
    if (ep.as_default) {
      out.push_back(i);
    }
  }
  if (!out.empty()) {
    return out;
  }
  // spec A.6: every TCP entry point except the one named `traefik`.
  for (std::size_t i = 0; i < entry_point_names.size(); ++i) {
    const auto& ep = static_config.entry_points.at(entry_point_names[i]);
    if (entry_point_names[i] != "traefik" &&
        ep.address.protocol == config::ListenAddress::Protocol::Tcp) {
      out.push_back(i);
    }
  }
  return out;
}

std::optional<std::vector<std::size_t>> SnapshotBuildContext::routerEntryPoints(
    ObjectKind kind, const std::string& name, const std::vector<std::string>& names) {
  if (names.empty()) {
    return defaultEntryPoints();
  }
  std::vector<std::size_t> eps;
  for (const std::string& ep_name : names) {
    std::size_t idx = entryPointIndex(ep_name);
    if (idx == entry_point_names.size()) {
      report.error(kind, name, "entry point \"" + ep_name + "\" does not exist");
      return std::nullopt;
    }
    eps.push_back(idx);
  }
  return eps;
}

int providerRank(const std::string& qualified) {
  static const char* const kOrder[] = {"kubernetesgateway",
                                       "kubernetescrd",
                                       "kubernetes",
                                       "kubernetesingressnginx",
                                       "swarm",
                                       "docker",
                                       "file",
                                       "internal"};
  std::size_t at = qualified.rfind('@');
  std::string provider = at == std::string::npos ? "" : qualified.substr(at + 1);
  for (int i = 0; i < static_cast<int>(std::size(kOrder)); ++i) {
    if (provider == kOrder[i]) {
      return i;
    }
  }
  return static_cast<int>(std::size(kOrder));
}

}  // namespace pier::control
