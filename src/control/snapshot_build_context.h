// What the HTTP, TCP and TLS parts of one snapshot build share: the static configuration, the
// entry points, the snapshot being filled and the report. Owned by buildSnapshot
// (control/snapshot_builder.cc) for the length of one build. Thread: control loop only.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "config/static_config.h"
#include "control/build_report.h"
#include "runtime/snapshot.h"

namespace pier::control {

struct SnapshotBuildContext {
  const config::StaticConfig& static_config;
  // Fixes the order of Snapshot::entry_points: routes are kept per index into this list.
  const std::vector<std::string>& entry_point_names;
  runtime::Snapshot& snapshot;
  BuildReport& report;

  // The index of entry point `name`, or entry_point_names.size() when there is none.
  std::size_t entryPointIndex(const std::string& name) const;
  // Where a router that names no entry point goes (spec A.6).
  std::vector<std::size_t> defaultEntryPoints() const;
  // The entry points of router `name` of `kind` that lists `names` (the default ones when the
  // list is empty); nothing, with the error reported, when one of them does not exist.
  std::optional<std::vector<std::size_t>> routerEntryPoints(ObjectKind kind,
                                                            const std::string& name,
                                                            const std::vector<std::string>& names);
};

// Provider precedence for equal priorities (spec A.6): docker before file.
int providerRank(const std::string& qualified);

}  // namespace pier::control
