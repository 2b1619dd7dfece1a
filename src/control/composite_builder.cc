#include "control/composite_builder.h"

#include "base/result.h"
#include "http/cookie.h"
#include "runtime/sticky_cookie.h"

namespace pier::control {
namespace {

bool isComposite(const config::HttpService& s) {
  int types = int(s.load_balancer.has_value()) + int(s.weighted.has_value()) +
              int(s.mirroring.has_value()) + int(s.failover.has_value()) +
              int(s.highest_random_weight.has_value());
  return types == 1 && (s.weighted || s.mirroring || s.failover);
}

class CompositeBuilder {
 public:
  CompositeBuilder(const config::DynamicConfig& merged, runtime::Snapshot& snapshot,
                   std::unordered_map<std::string, std::uint32_t>& index,
                   std::vector<std::string>& errors, std::vector<std::string>& warnings)
      : merged_(merged), snapshot_(snapshot), index_(index), errors_(errors), warnings_(warnings) {}

  void run() {
    for (const auto& [name, svc] : merged_.http.services) {
      if (!isComposite(svc)) {
        continue;
      }
      std::vector<std::string> path;
      auto built = build(name, path);
      if (!built) {
        errors_.push_back("service " + name + ": " + built.error().message);
      }
    }
  }

 private:
  Result<std::uint32_t> build(const std::string& name, std::vector<std::string>& path) {
    if (auto it = index_.find(name); it != index_.end()) {
      return it->second;
    }
    if (auto it = failed_.find(name); it != failed_.end()) {
      return fail(Error::config(it->second));
    }
    for (std::size_t i = 0; i < path.size(); ++i) {
      if (path[i] == name) {
        std::string cycle;
        for (std::size_t j = i; j < path.size(); ++j) {
          cycle += path[j] + " -> ";
        }
        return fail(Error::config("services refer to each other in a cycle: " + cycle + name));
      }
    }
    path.push_back(name);
    auto built = buildOne(name, merged_.http.services.at(name), path);
    path.pop_back();
    if (!built) {
      failed_[name] = built.error().message;
      return fail(built.error());
    }
    auto idx = static_cast<std::uint32_t>(snapshot_.services.size());
    snapshot_.services.push_back(std::move(*built));
    index_[name] = idx;
    return idx;
  }

  // A child reference of `parent`, built if it is itself composite.
  Result<std::uint32_t> child(const std::string& field, const std::string& name,
                              std::vector<std::string>& path) {
    if (name.empty()) {
      return fail(Error::config(field + ": a service name is required"));
    }
    if (auto it = index_.find(name); it != index_.end()) {
      if (!runtime::forwardsToBackends(snapshot_.services[it->second].kind)) {
        return fail(Error::config(field + ": \"" + name +
                                  "\" is an internal service and cannot be used here"));
      }
      return it->second;
    }
    auto it = merged_.http.services.find(name);
    if (it == merged_.http.services.end()) {
      return fail(Error::config(field + ": the service \"" + name + "\" does not exist"));
    }
    if (isComposite(it->second)) {
      auto built = build(name, path);
      if (!built) {
        return fail(Error::config(field + ": service \"" + name + "\": " + built.error().message));
      }
      return built;
    }
    // A loadBalancer (or unsupported) service that was left out: quote its own error.
    std::string prefix = "service " + name + ": ";
    for (const std::string& e : errors_) {
      if (e.starts_with(prefix)) {
        return fail(Error::config(field + ": service \"" + name +
                                  "\" is disabled: " + e.substr(prefix.size())));
      }
    }
    return fail(Error::config(field + ": service \"" + name + "\" is disabled"));
  }

  Result<runtime::ServiceSpec> buildOne(const std::string& name, const config::HttpService& svc,
                                        std::vector<std::string>& path) {
    runtime::ServiceSpec spec;
    spec.name = name;
    auto composite = std::make_shared<runtime::CompositeSpec>();
    if (svc.weighted) {
      spec.kind = runtime::ServiceKind::Weighted;
      std::vector<std::string> ids;
      for (std::size_t i = 0; i < svc.weighted->services.size(); ++i) {
        const config::WeightedRef& ref = svc.weighted->services[i];
        if (ref.weight <= 0) {
          continue;  // as for servers: a non-positive weight takes the child out
        }
        auto idx = child("weighted.services[" + std::to_string(i) + "]", ref.name, path);
        if (!idx) {
          return fail(idx.error());
        }
        composite->children.push_back(runtime::WeightedChild{*idx, ref.weight});
        ids.push_back(ref.name);
      }
      if (svc.weighted->sticky && svc.weighted->sticky->cookie) {
        spec.sticky = buildStickyCookie(*svc.weighted->sticky->cookie, name, ids);
      }
    } else if (svc.mirroring) {
      spec.kind = runtime::ServiceKind::Mirroring;
      auto main = child("mirroring.service", svc.mirroring->service, path);
      if (!main) {
        return fail(main.error());
      }
      composite->main = *main;
      for (std::size_t i = 0; i < svc.mirroring->mirrors.size(); ++i) {
        const config::MirrorRef& m = svc.mirroring->mirrors[i];
        std::string field = "mirroring.mirrors[" + std::to_string(i) + "]";
        if (m.percent < 0 || m.percent > 100) {
          return fail(Error::config(field + ".percent: " + std::to_string(m.percent) +
                                    " is not between 0 and 100"));
        }
        auto idx = child(field, m.name, path);
        if (!idx) {
          return fail(idx.error());
        }
        composite->mirrors.push_back(runtime::MirrorTarget{*idx, m.percent});
      }
      composite->mirror_body = svc.mirroring->mirror_body;
      composite->max_body_size = svc.mirroring->max_body_size;
    } else {
      spec.kind = runtime::ServiceKind::Failover;
      auto main = child("failover.service", svc.failover->service, path);
      if (!main) {
        return fail(main.error());
      }
      auto fallback = child("failover.fallback", svc.failover->fallback, path);
      if (!fallback) {
        return fail(fallback.error());
      }
      composite->main = *main;
      composite->fallback = *fallback;
      if (svc.failover->errors) {
        warnings_.push_back("service " + name +
                            ": failover.errors is not supported by Pier and is ignored; the "
                            "fallback is used only while the main service has no server up");
      }
    }
    spec.composite = std::move(composite);
    return spec;
  }

  const config::DynamicConfig& merged_;
  runtime::Snapshot& snapshot_;
  std::unordered_map<std::string, std::uint32_t>& index_;
  std::vector<std::string>& errors_;
  std::vector<std::string>& warnings_;
  std::unordered_map<std::string, std::string> failed_;  // composite name -> why
};

}  // namespace

void buildCompositeServices(const config::DynamicConfig& merged, runtime::Snapshot& snapshot,
                            std::unordered_map<std::string, std::uint32_t>& index,
                            std::vector<std::string>& errors, std::vector<std::string>& warnings) {
  CompositeBuilder(merged, snapshot, index, errors, warnings).run();
}

std::shared_ptr<const runtime::StickyCookieSpec> buildStickyCookie(
    const config::Cookie& cookie, const std::string& service_name,
    const std::vector<std::string>& target_ids) {
  auto spec = std::make_shared<runtime::StickyCookieSpec>();
  spec->name = runtime::stickyCookieName(cookie.name, service_name);
  spec->attributes.path = cookie.path;
  spec->attributes.domain = cookie.domain;
  spec->attributes.same_site = http::canonicalSameSite(cookie.same_site);
  spec->attributes.max_age = cookie.max_age;
  spec->attributes.secure = cookie.secure;
  spec->attributes.http_only = cookie.http_only;
  for (const std::string& id : target_ids) {
    spec->values.push_back(runtime::stickyCookieValue(id));
    spec->legacy_values.push_back(runtime::legacyStickyValues(id));
  }
  return spec;
}

}  // namespace pier::control
