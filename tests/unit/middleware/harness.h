// Builds middlewares from YAML as the file provider would and runs requests through them.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "config/dynamic_decode.h"
#include "config/dynamic_merge.h"
#include "middleware/registry.h"

namespace pier::test {

// `yaml` is the body of http.middlewares (indented by 4 spaces by the caller or not at all).
inline config::DynamicConfig parseMiddlewares(const std::string& yaml) {
  auto dyn = config::parseDynamicYaml("http:\n  middlewares:\n" + yaml, "dyn.yml");
  REQUIRE_MESSAGE(dyn, (dyn ? "" : dyn.error().message));
  config::qualifyNames(*dyn, "file");
  return *dyn;
}

inline Result<middleware::ChainPtr> buildChain(const std::string& yaml,
                                               const std::vector<std::string>& refs) {
  static std::vector<config::DynamicConfig> keep;  // the set borrows the definitions
  keep.push_back(parseMiddlewares(yaml));
  middleware::MiddlewareSet set(keep.back().http.middlewares);
  return set.chainFor(refs);
}

inline middleware::ChainPtr mustBuild(const std::string& yaml,
                                      const std::vector<std::string>& refs) {
  auto c = buildChain(yaml, refs);
  REQUIRE_MESSAGE(c, (c ? "" : c.error().message));
  return *c;
}

inline std::string buildError(const std::string& yaml, const std::vector<std::string>& refs) {
  auto c = buildChain(yaml, refs);
  REQUIRE(!c);
  return c.error().message;
}

struct Exchange {
  http::RequestHead head;
  middleware::ChainRun run;
  middleware::Verdict verdict = middleware::Verdict::Continue;
  middleware::LocalAnswer answer;

  explicit Exchange(std::string target, std::string method = "GET") {
    head.method = std::move(method);
    head.target = std::move(target);
    head.headers.add("Host", "a.test");
  }
  Exchange& header(std::string_view name, std::string_view value) {
    head.headers.add(name, value);
    return *this;
  }
  middleware::Verdict go(const middleware::ChainPtr& chain, const char* peer = "127.0.0.1",
                         bool tls = false) {
    middleware::RequestContext ctx{head, *base::IpAddress::parse(peer), tls, {}, false, {}, {}};
    verdict = run.runRequest(*chain, ctx);
    answer = std::move(ctx.answer);
    return verdict;
  }
  http::ResponseHead respond(int status = 200) {
    http::ResponseHead r;
    r.status = status;
    run.runResponse(r);
    return r;
  }
  std::string h(std::string_view name) const {
    const std::string* v = head.headers.get(name);
    return v ? *v : std::string("<none>");
  }
  std::string ah(std::string_view name) const {
    const std::string* v = answer.headers.get(name);
    return v ? *v : std::string("<none>");
  }
};

inline std::string hv(const http::HeaderMap& m, std::string_view name) {
  const std::string* v = m.get(name);
  return v ? *v : std::string("<none>");
}

}  // namespace pier::test
