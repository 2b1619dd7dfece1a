// Kind name -> factory, and the per-configuration set that builds each referenced middleware once
// (control thread), flattens `chain`, and detects cycles.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "config/dynamic_model.h"
#include "middleware/chain.h"
#include "middleware/options.h"

namespace pier::middleware {

using Factory = Result<MiddlewarePtr> (*)(const BuildContext&);

// nullptr for kinds Pier does not implement (yet); `chain` has no factory (MiddlewareSet
// inlines it).
Factory findFactory(std::string_view kind);
// Kinds with a factory, plus "chain", for docs and errors.
std::vector<std::string> supportedKinds();

// "name@provider" with the provider of `context_name` when `ref` has none (Traefik's rule: an
// unqualified reference takes the provider of the object that makes it).
std::string qualifyReference(std::string_view ref, std::string_view context_name);

class MiddlewareSet {
 public:
  explicit MiddlewareSet(const std::map<std::string, config::Middleware>& definitions)
      : defs_(definitions) {}

  // The flattened middlewares for one qualified reference. Built once; later calls (from other
  // routers) return the same objects or the same error.
  Result<std::vector<MiddlewarePtr>> resolve(const std::string& qualified_ref);
  // A router's whole list, in order.
  Result<ChainPtr> chainFor(const std::vector<std::string>& qualified_refs);

 private:
  Result<std::vector<MiddlewarePtr>> build(const std::string& name);

  const std::map<std::string, config::Middleware>& defs_;
  std::map<std::string, Result<std::vector<MiddlewarePtr>>> built_;
  std::vector<std::string> building_;  // the current chain path, for cycle errors
};

}  // namespace pier::middleware
