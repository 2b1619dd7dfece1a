// Builds http::RequestView values for routing tests; owns the strings the view borrows.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/ip_address.h"
#include "http/header_map.h"
#include "http/message.h"

namespace pier::routing::test {

struct Req {
  std::string method = "GET";
  std::string host = "example.com";
  std::string path = "/";
  std::string query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string client_ip = "192.168.1.2";

  // The returned view points into *this and into `storage`.
  http::RequestView view(http::HeaderMap& storage) const {
    storage.clear();
    for (const auto& [k, v] : headers) {
      storage.add(k, v);
    }
    http::RequestView v;
    v.method = method;
    v.host = host;
    v.path = path;
    v.query = query;
    v.headers = &storage;
    v.client_ip = *base::IpAddress::parse(client_ip);
    return v;
  }
};

}  // namespace pier::routing::test
