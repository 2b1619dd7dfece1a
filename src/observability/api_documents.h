// The API's JSON documents (/api/...), rendered on the control thread at every configuration
// build and served as they are by whichever worker gets the request. Swapped whole under a
// mutex that only API requests and rebuilds take.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace pier::observability {

class ApiDocuments {
 public:
  using Map = std::map<std::string, std::string>;  // decoded path -> JSON body

  // `dashboard`: api.dashboard; api@internal also serves /dashboard/ (observability/
  // dashboard_assets.h) when it is true.
  explicit ApiDocuments(bool dashboard = false) : dashboard_(dashboard) {}
  bool dashboard() const { return dashboard_; }

  void publish(Map docs) {
    auto next = std::make_shared<const Map>(std::move(docs));
    std::lock_guard lock(mu_);
    docs_ = std::move(next);
  }
  std::shared_ptr<const Map> current() const {
    std::lock_guard lock(mu_);
    return docs_;
  }

 private:
  const bool dashboard_;
  mutable std::mutex mu_;
  std::shared_ptr<const Map> docs_ = std::make_shared<const Map>();
};

}  // namespace pier::observability
