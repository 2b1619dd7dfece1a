// The API's content (/api/...): JSON documents and the lists that Traefik's query parameters
// filter, rendered on the control thread at every configuration build and served by whichever
// worker gets the request (api_query.h). Swapped whole under a mutex that only API requests
// and rebuilds take.
#pragma once

#include <memory>
#include <mutex>

#include "observability/api_query.h"

namespace pier::observability {

class ApiDocuments {
 public:
  // `dashboard`: api.dashboard; api@internal also serves /dashboard/ (observability/
  // dashboard_assets.h) when it is true.
  explicit ApiDocuments(bool dashboard = false) : dashboard_(dashboard) {}
  bool dashboard() const { return dashboard_; }

  void publish(ApiContent content) {
    auto next = std::make_shared<const ApiContent>(std::move(content));
    std::lock_guard lock(mu_);
    content_ = std::move(next);
  }
  std::shared_ptr<const ApiContent> current() const {
    std::lock_guard lock(mu_);
    return content_;
  }

 private:
  const bool dashboard_;
  mutable std::mutex mu_;
  std::shared_ptr<const ApiContent> content_ = std::make_shared<const ApiContent>();
};

}  // namespace pier::observability
