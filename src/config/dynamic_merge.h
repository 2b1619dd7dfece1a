// Combining dynamic configurations: provider namespaces (`name@provider`, spec B.5/I.1 step 5)
// and first-definition-wins merging (file provider directories, and the provider merge).
// Thread: control thread only.
#pragma once

#include <string>
#include <vector>

#include "config/dynamic_model.h"

namespace pier::config {

// Renames every router, service, middleware and servers transport `x` to `x@provider`, and
// qualifies references written without a provider the same way (a router's service and
// middlewares, weighted/mirroring/failover children, a load balancer's serversTransport).
// Names that already carry `@` are left alone.
void qualifyNames(DynamicConfig& cfg, const std::string& provider);

// Adds every object of `from` that `into` lacks. Returns one warning per name defined in both.
std::vector<std::string> mergeFirstWins(DynamicConfig& into, const DynamicConfig& from);

}  // namespace pier::config
