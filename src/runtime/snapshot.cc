#include "runtime/snapshot.h"

namespace pier::runtime {
namespace {

const std::string kDefaultOptions = "default";

// The ".suffix" a `*.suffix` pattern would need to match `sni` (one label only, spec F.1).
std::string_view wildcardKey(std::string_view sni) {
  std::size_t dot = sni.find('.');
  return dot == std::string_view::npos || dot == 0 ? std::string_view() : sni.substr(dot);
}

}  // namespace

const std::string& TlsOptionsByDomain::lookup(std::string_view sni) const {
  if (auto it = exact.find(std::string(sni)); it != exact.end()) {
    return it->second;
  }
  std::string_view key = wildcardKey(sni);
  if (!key.empty()) {
    if (auto it = wildcard.find(std::string(key)); it != wildcard.end()) {
      return it->second;
    }
  }
  return kDefaultOptions;
}

bool EntryPointRoutes::httpsClaims(std::string_view sni) const {
  if (sni.empty()) {
    return false;
  }
  if (https_exact.count(std::string(sni)) != 0) {
    return true;
  }
  std::string_view key = wildcardKey(sni);
  return !key.empty() && https_wildcard.count(std::string(key)) != 0;
}

}  // namespace pier::runtime
