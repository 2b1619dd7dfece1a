#include "config/flat_keys.h"

#include <doctest/doctest.h>

#include "config/yaml.h"

using namespace pier::config;

namespace {

FlagArity noneTakeValues(std::string_view key) {
  return key.find("address") != std::string_view::npos ? FlagArity::TakesValue : FlagArity::NoValue;
}

std::string tree(const std::vector<FlatEntry>& entries) {
  auto n = flatToNode(entries);
  REQUIRE(n.has_value());
  return n->toString();
}

}  // namespace

TEST_SUITE("config") {
  TEST_CASE("flat keys: dotted keys, case folding of siblings, list indexes (spec A.2)") {
    CHECK(tree({{"entrypoints.web.address", ":80", "f"},
                {"entryPoints.web.reusePort", "true", "f"}}) ==
          "{entrypoints: {web: {address: \":80\", reusePort: \"true\"}}}");
    // Indexes only group keys; order follows the index.
    CHECK(tree({{"d[1].main", "b", "f"}, {"d[0].main", "a", "f"}, {"d[0].sans", "x,y", "f"}}) ==
          "{d: [{main: \"a\", sans: \"x,y\"}, {main: \"b\"}]}");
    // A section enabled and given a child keeps both.
    CHECK(tree({{"ping", "true", "f"}, {"ping.entrypoint", "web", "f"}}) ==
          "{ping: \"true\" {entrypoint: \"web\"}}");
  }

  TEST_CASE("flat keys: malformed keys are errors (spec B.3)") {
    for (const char* key : {"a..b", ".a", "a.[0]", "a[x].b", "a[0", "a[-1]"}) {
      CAPTURE(key);
      CHECK_FALSE(flatToNode({{key, "v", "label traefik.x"}}).has_value());
    }
    auto mixed = flatToNode({{"a[0]", "v", "f"}, {"a.b", "v", "f"}});
    REQUIRE_FALSE(mixed.has_value());
    CHECK(mixed.error().message.find("mixes list items") != std::string::npos);
  }

  TEST_CASE("flags: grammar of spec A.3") {
    auto parsed = parseFlags({"-ping", "--entrypoints.web.address", ":80", "--api.insecure",
                              "--log.level=DEBUG", "--", "ignored"},
                             noneTakeValues);
    REQUIRE(parsed.has_value());
    REQUIRE(parsed->size() == 4);
    CHECK((*parsed)[0].key == "ping");
    CHECK((*parsed)[0].value == "true");
    CHECK((*parsed)[1].value == ":80");
    CHECK((*parsed)[1].where == "flag --entrypoints.web.address");
    CHECK((*parsed)[2].value == "true");
    CHECK((*parsed)[3].value == "DEBUG");

    auto stray = parseFlags({"--providers.docker.exposedbydefault", "false"}, noneTakeValues);
    REQUIRE_FALSE(stray.has_value());
    CHECK(stray.error().message.find("\"false\"") != std::string::npos);
    CHECK_FALSE(parseFlags({"--entrypoints.web.address"}, noneTakeValues).has_value());
  }

  TEST_CASE("env: prefix, lower-case, underscore to dot, known roots only (spec A.4)") {
    auto entries =
        envEntries({{"TRAEFIK_ENTRYPOINTS_WEB_ADDRESS", ":8001"},
                    {"TRAEFIK_VERSION", "3"},
                    {"HOME", "/root"},
                    {"TRAEFIK_", "x"}},
                   {"TRAEFIK_"}, [](std::string_view root) { return root == "entrypoints"; });
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].key == "entrypoints.web.address");
    CHECK(entries[0].where == "env TRAEFIK_ENTRYPOINTS_WEB_ADDRESS");
  }

  TEST_CASE("yaml: positions, merge keys, errors with line numbers") {
    auto n = parseYaml("base: &b\n  x: 1\nhttp:\n  <<: *b\n  y: [a, b]\n  z:\n", "d.yml");
    REQUIRE(n.has_value());
    const Node* http = n->find("HTTP");
    REQUIRE(http != nullptr);
    CHECK(http->where() == "d.yml:3");
    REQUIRE(http->find("x") != nullptr);
    CHECK(http->find("y")->where() == "d.yml:5");
    CHECK(http->find("z")->isNull());
    CHECK(http->find("z")->where() == "d.yml:6");

    auto bad = parseYaml("a:\n  b: [1, 2\n", "bad.yml");
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().message.rfind("bad.yml:", 0) == 0);
    auto empty = parseYaml("", "e.yml");
    REQUIRE(empty.has_value());
    CHECK(empty->isMap());
    auto deep = parseYaml(std::string(200, '[') + std::string(200, ']'), "deep.yml");
    CHECK_FALSE(deep.has_value());
  }
}
