// libFuzzer target: parse + compile a rule as HTTP and as TCP, then match fixed requests, both
// through a route table and directly (they must agree).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "http/header_map.h"
#include "routing/route_table.h"

namespace {

using namespace pier;  // NOLINT: fuzz target

void checkHttp(std::string_view text) {
  Result<routing::HttpRule> rule = routing::HttpRule::compile(text);
  if (!rule) {
    if (rule.error().message.find("column ") == std::string::npos) {
      std::abort();  // every rule error names a column
    }
    return;
  }
  (void)routing::hostDomains(*rule);
  http::HeaderMap headers;
  headers.add("X-Env", "prod");
  headers.add("Accept", "text/html");
  http::RequestView req;
  req.method = "GET";
  req.host = "a.example.com";
  req.path = "/api/v1";
  req.query = "q=1&mobile;x=a%20b";
  req.headers = &headers;
  req.client_ip = *base::IpAddress::parse("10.1.2.3");
  bool direct = rule->matches(req);
  std::vector<routing::HttpRoute> routes;
  routes.push_back(
      routing::HttpRoute{"fuzz@file", routing::httpPriority(0, *rule), 0, std::move(*rule), 0});
  routing::HttpRouteTable table = routing::HttpRouteTable::build(std::move(routes));
  if ((table.match(req) != nullptr) != direct) {
    std::abort();
  }
  req.host = "";
  if (table.match(req) != table.matchLinear(req)) {
    std::abort();
  }
}

void checkTcp(std::string_view text) {
  Result<routing::TcpRule> rule = routing::TcpRule::compile(text);
  if (!rule) {
    return;
  }
  std::vector<std::string> alpn{"h2", "http/1.1"};
  routing::TcpRequestView req{"db.example.com", &alpn, *base::IpAddress::parse("::1")};
  bool direct = rule->matches(req);
  std::vector<routing::TcpRoute> routes;
  routes.push_back(
      routing::TcpRoute{"fuzz@file", routing::tcpPriority(0, *rule), 0, std::move(*rule), 0});
  routing::TcpRouteTable table = routing::TcpRouteTable::build(std::move(routes));
  if ((table.match(req) != nullptr) != direct) {
    std::abort();
  }
  req.sni = "";
  if (table.match(req) != table.matchLinear(req)) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) {
    return 0;
  }
  std::string_view text(reinterpret_cast<const char*>(data), size);
  checkHttp(text);
  checkTcp(text);
  return 0;
}
