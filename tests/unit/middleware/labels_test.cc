// Middlewares from Docker-style flat labels (the label grammar the Docker provider decodes):
// lists as comma-separated values, header maps keyed by the header name.
#include "harness.h"

using namespace pier;
using namespace pier::test;
using middleware::Verdict;

namespace {

config::DynamicConfig fromLabels(const std::map<std::string, std::string>& labels) {
  auto dyn = config::decodeDynamicFlat(labels, "label traefik.");
  REQUIRE_MESSAGE(dyn, (dyn ? "" : dyn.error().message));
  config::qualifyNames(*dyn, "docker");
  return *dyn;
}

}  // namespace

TEST_CASE("labels: stripPrefix, headers and basicAuth from flat keys, router references") {
  auto dyn = fromLabels({
      {"http.middlewares.strip.stripprefix.prefixes", "/b,/api"},
      {"http.middlewares.hdr.headers.customrequestheaders.X-Script-Name", "test"},
      {"http.middlewares.hdr.headers.customresponseheaders.X-Gone", ""},
      {"http.middlewares.hdr.headers.framedeny", "true"},
      {"http.middlewares.auth.basicauth.users", "alice:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ="},
      {"http.middlewares.rl.ratelimit.average", "100"},
      {"http.middlewares.rl.ratelimit.sourcecriterion.ipstrategy.depth", "1"},
      {"http.routers.app.rule", "Host(`a.test`)"},
      {"http.routers.app.middlewares", "strip,hdr,shared@file"},
  });
  const auto& refs = dyn.http.routers.at("app@docker").middlewares;
  REQUIRE(refs.size() == 3);
  CHECK(refs[0] == "strip@docker");
  CHECK(refs[2] == "shared@file");
  dyn.http.middlewares["shared@file"] = dyn.http.middlewares.at("auth@docker");
  middleware::MiddlewareSet set(dyn.http.middlewares);
  auto chain = set.chainFor(refs);
  REQUIRE_MESSAGE(chain, (chain ? "" : chain.error().message));
  Exchange ok("/api/x");
  ok.header("Authorization", "Basic YWxpY2U6c2VjcmV0");  // alice:secret
  CHECK(ok.go(*chain) == Verdict::Continue);
  CHECK(ok.head.target == "/x");
  CHECK(ok.h("X-Script-Name") == "test");
  auto r = ok.respond();
  CHECK(hv(r.headers, "X-Frame-Options") == "DENY");
  CHECK(set.resolve("rl@docker").has_value());
}

TEST_CASE("labels: option-less kinds enabled with `=true` and bad values named") {
  auto dyn = fromLabels({
      {"http.middlewares.ct.contenttype", "true"},
      {"http.middlewares.bad.ipallowlist.sourcerange", "10.0.0.0/8,not-an-ip"},
  });
  middleware::MiddlewareSet set(dyn.http.middlewares);
  CHECK(set.resolve("ct@docker").has_value());
  auto bad = set.resolve("bad@docker");
  REQUIRE(!bad);
  CHECK(bad.error().message ==
        "middleware \"bad@docker\": ipAllowList.sourceRange: \"not-an-ip\" is not an IP address "
        "or CIDR range");
}
