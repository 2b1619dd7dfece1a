// Static configuration errors: one line naming the key, its source and the expectation.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "config/static_loader.h"

using namespace pier::config;

namespace {

std::string errorOf(const std::vector<std::string>& args, const Environment& env = {}) {
  auto r = loadStaticConfig(args, env, {});
  if (r)
    return "";
  return r.error().message;
}

}  // namespace

TEST_SUITE("config") {
  TEST_CASE("static errors: unknown keys, type errors, removed options (A1.10, A1.11)") {
    struct Case {
      std::string id;
      std::vector<std::string> args;
      std::string want;  // the whole message
    };
    const Case cases[] = {
        {"A1.10", {"--unknown.key=1"}, "flag --unknown.key: unknown key `unknown`"},
        {"A1.10 typo",
         {"--entrypoints.web.adress=:80"},
         "flag --entrypoints.web.adress: unknown key `entryPoints.web.adress`; did you mean "
         "`entryPoints.web.address`?"},
        {"key one level too high",
         {"--entrypoints.web.address=:80", "--entrypoints.web.readTimeout=5"},
         "flag --entrypoints.web.readTimeout: unknown key `entryPoints.web.readTimeout`; did you "
         "mean `entryPoints.web.transport.respondingTimeouts.readTimeout`?"},
        {"docker typo",
         {"--providers.docker.exposedbydefaults=false"},
         "flag --providers.docker.exposedbydefaults: unknown key "
         "`providers.docker.exposedbydefaults`; did you mean `providers.docker.exposedByDefault`?"},
        {"A1.11",
         {"--providers.docker.swarmMode=true"},
         "flag --providers.docker.swarmMode: option `providers.docker.swarmmode` was removed in "
         "Traefik v3 (use the providers.swarm section)"},
        {"bool",
         {"--api.insecure=yes"},
         "flag --api.insecure: api.insecure: expected true or false, got \"yes\""},
        {"int",
         {"--entrypoints.web.address=:80", "--entrypoints.web.http.maxheaderbytes=1k"},
         "flag --entrypoints.web.http.maxheaderbytes: entryPoints.web.http.maxHeaderBytes: "
         "expected "
         "an integer, got \"1k\""},
        {"duration",
         {"--providers.providersthrottleduration=soon"},
         "flag --providers.providersthrottleduration: providers.providersThrottleDuration: "
         "expected "
         "a duration like 10s or 1m30s (a bare number means seconds), got \"soon\""},
        {"section value",
         {"--ping=maybe"},
         "flag --ping: ping: expected true or false (to enable the section) or child keys"},
        {"section needs a child",
         {"--providers.file=true"},
         "flag --providers.file: providers.file: this section cannot be enabled with `true` alone; "
         "set one of its keys"},
        {"file provider",
         {"--providers.file.filename=a.yml", "--providers.file.directory=/d"},
         "flag --providers.file.filename: providers.file: exactly one of `filename` or "
         "`directory` is required"},
        {"choice",
         {"--log.format=xml"},
         "flag --log.format: log.format: expected one of common, json, got \"xml\""},
        {"stray argument",
         {"--providers.docker.exposedbydefault", "false"},
         "unexpected argument \"false\" after --providers.docker.exposedbydefault (give a boolean "
         "flag its value with `=`, e.g. --flag=false)"},
        {"A1.15",
         {"--entrypoints.dns.address=:53/sctp"},
         "flag --entrypoints.dns.address: "
         "entryPoints.dns.address: invalid address \":53/sctp\": unknown protocol \"sctp\" "
         "(expected [host]:port[/tcp|/udp], e.g. :80 or 127.0.0.1:8080)"},
        {"v2 syntax",
         {"--core.defaultRuleSyntax=v2"},
         "flag --core.defaultRuleSyntax: core: defaultRuleSyntax v2 is not supported by Pier; "
         "write rules in v3 syntax"},
        {"missing address",
         {"--entrypoints.web.reuseport"},
         "flag --entrypoints.web.reuseport: entryPoints.web: missing `address` (e.g. :80)"},
        {"list of sections",
         {"--entrypoints.web.address=:80", "--entrypoints.web.http.tls.domains=example.com"},
         "flag --entrypoints.web.http.tls.domains: entryPoints.web.http.tls.domains: expected a "
         "list, got a value"},
    };
    for (const auto& c : cases) {
      CAPTURE(c.id);
      CHECK(errorOf(c.args) == c.want);
    }
  }

  TEST_CASE("static errors: environment and file sources are named") {
    CHECK(errorOf({}, {{"TRAEFIK_API_INSECURE", "maybe"}}) ==
          "env TRAEFIK_API_INSECURE: api.insecure: expected true or false, got \"maybe\"");
    CHECK(errorOf({}, {{"TRAEFIK_ENTRYPOINTS_WEB_ADRESS", ":80"}}) ==
          "env TRAEFIK_ENTRYPOINTS_WEB_ADRESS: unknown key `entryPoints.web.adress`; did you mean "
          "`entryPoints.web.address`?");
  }

  TEST_CASE("static: Go ParseBool spellings (spec A.2)") {
    for (const char* t : {"1", "t", "T", "TRUE", "true", "True"}) {
      CAPTURE(t);
      auto r = loadStaticConfig({std::string("--api.insecure=") + t}, {}, {});
      REQUIRE(r.has_value());
      CHECK(r->config.api->insecure);
    }
    for (const char* f : {"0", "f", "F", "FALSE", "false", "False"}) {
      CAPTURE(f);
      auto r = loadStaticConfig({std::string("--api.insecure=") + f}, {}, {});
      REQUIRE(r.has_value());
      CHECK_FALSE(r->config.api->insecure);
    }
    CHECK_FALSE(loadStaticConfig({"--api.insecure=tRuE"}, {}, {}).has_value());
  }
}
