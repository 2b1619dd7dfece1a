// Parsing of Docker Engine API documents (fixtures trimmed from a Docker 20.10 / API 1.41
// daemon) and incremental splitting of the /events stream.
#include "providers/docker/engine_parse.h"

#include <doctest/doctest.h>

#include <random>
#include <string>

namespace pier::providers::docker {
namespace {

constexpr const char* kInspect = R"json({
 "Id": "be2842471e8686ad2148d884d6db4b0b9542ba35362d262f1d4f1823957b3608",
 "Name": "/pier-test-fixture",
 "State": {"Status": "running", "Running": true, "Paused": false,
           "Health": {"Status": "starting", "FailingStreak": 1, "Log": []}},
 "Config": {"Hostname": "be2842471e86",
            "Labels": {"traefik.enable": "true", "traefik.http.routers.a.rule": "Host(`a`)",
                       "com.docker.compose.project": "shop", "com.docker.compose.service": "web"},
            "ExposedPorts": {"80/tcp": {}, "8080/tcp": {}, "53/udp": {}}},
 "HostConfig": {"NetworkMode": "default"},
 "NetworkSettings": {
   "Ports": {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "32768"},
                        {"HostIp": "::1", "HostPort": "32769"}],
             "8080/tcp": null},
   "IPAddress": "172.17.0.2",
   "Networks": {"bridge": {"IPAddress": "172.17.0.2", "GlobalIPv6Address": ""},
                "front": {"IPAddress": "10.5.0.7", "GlobalIPv6Address": "fd00::7"}}}
})json";

TEST_SUITE("providers.docker.engine") {
  TEST_CASE("inspect: labels, state, health, networks, ports and compose facts") {
    auto r = parseContainerInspect(kInspect);
    REQUIRE(r);
    const ContainerInfo& c = *r;
    CHECK(c.id.size() == 64);
    CHECK(c.name == "pier-test-fixture");
    CHECK(c.state == "running");
    CHECK(c.running);
    CHECK_FALSE(c.paused);
    CHECK(c.health == "starting");
    CHECK(c.hostname == "be2842471e86");
    CHECK(c.network_mode == "default");
    CHECK(c.labels.at("traefik.http.routers.a.rule") == "Host(`a`)");
    CHECK(c.compose_project == "shop");
    CHECK(c.compose_service == "web");
    REQUIRE(c.networks.size() == 2);
    CHECK(c.networks[0].name == "bridge");
    CHECK(c.networks[0].ip_address == "172.17.0.2");
    CHECK(c.networks[1].name == "front");
    CHECK(c.networks[1].ipv6_address == "fd00::7");
    // Sorted by port then protocol; one entry per binding, one for an unbound port.
    REQUIRE(c.ports.size() == 4);
    CHECK(c.ports[0].container_port == 53);
    CHECK(c.ports[0].protocol == "udp");
    CHECK(c.ports[0].host_port == 0);
    CHECK(c.ports[1].container_port == 80);
    CHECK(c.ports[1].host_ip == "127.0.0.1");
    CHECK(c.ports[1].host_port == 32768);
    CHECK(c.ports[2].host_ip == "::1");
    CHECK(c.ports[3].container_port == 8080);
    CHECK(c.ports[3].host_port == 0);
  }

  TEST_CASE("inspect: a stopped container without health, labels or networks") {
    auto r = parseContainerInspect(
        R"({"Id":"abc","Name":"/x","State":{"Status":"exited","Running":false,"Paused":false},
            "Config":{"Labels":null,"ExposedPorts":null},"HostConfig":{"NetworkMode":"host"},
            "NetworkSettings":{"Ports":{},"Networks":{}}})");
    REQUIRE(r);
    CHECK(r->state == "exited");
    CHECK_FALSE(r->running);
    CHECK(r->health.empty());
    CHECK(r->labels.empty());
    CHECK(r->networks.empty());
    CHECK(r->ports.empty());
    CHECK(r->network_mode == "host");
  }

  TEST_CASE("inspect: malformed documents are errors, not exceptions") {
    CHECK_FALSE(parseContainerInspect("{"));
    CHECK_FALSE(parseContainerInspect("[]"));
    CHECK_FALSE(parseContainerInspect(R"({"Name":"/no-id"})"));
    CHECK_FALSE(parseContainerInspect("\xff\xfe"));
    // Wrong types are ignored field by field.
    auto r = parseContainerInspect(
        R"({"Id":"a","Name":7,"State":"weird","Config":{"Labels":{"ok":"1","bad":2}},
            "NetworkSettings":{"Ports":{"x/tcp":[],"70000/tcp":null},"Networks":[]}})");
    REQUIRE(r);
    CHECK(r->labels.size() == 1);
    CHECK(r->ports.empty());
  }

  TEST_CASE("container list: ids, first name, state") {
    auto r = parseContainerList(
        R"([{"Id":"a1","Names":["/web","/other/alias"],"State":"running"},
            {"Id":"b2","Names":[],"State":"paused"},{"Names":["/no-id"]}])");
    REQUIRE(r);
    REQUIRE(r->size() == 2);
    CHECK((*r)[0].name == "web");
    CHECK((*r)[1].state == "paused");
    CHECK_FALSE(parseContainerList(R"({"message":"x"})"));
  }

  TEST_CASE("version negotiation: min(daemon, 1.43)") {
    auto v = parseVersion(
        R"({"Version":"20.10.24+dfsg1","ApiVersion":"1.41","MinAPIVersion":"1.12","Os":"linux"})");
    REQUIRE(v);
    CHECK(v->api_version == "1.41");
    CHECK(negotiateApiVersion(v->api_version) == "1.41");
    CHECK(negotiateApiVersion("1.47") == "1.43");
    CHECK(negotiateApiVersion("1.43") == "1.43");
    CHECK(negotiateApiVersion("") == "1.24");
    CHECK(compareApiVersions("1.9", "1.10") < 0);
    CHECK(compareApiVersions("1.41", "1.41") == 0);
    CHECK(compareApiVersions("2.0", "1.99") > 0);
  }

  TEST_CASE("events: actions mapped to effects") {
    auto ev = [](const char* json) {
      auto r = parseEvent(json);
      REQUIRE(r);
      return *r;
    };
    EngineEvent start = ev(
        R"({"status":"start","id":"c1","Type":"container","Action":"start",
            "Actor":{"ID":"c1","Attributes":{"name":"web","image":"x"}},"time":1,"timeNano":12})");
    CHECK(start.container_id == "c1");
    CHECK(start.name == "web");
    CHECK(start.time_nano == 12);
    CHECK(classifyEvent(start) == EventEffect::Reinspect);
    CHECK(classifyEvent(ev(
              R"({"Type":"container","Action":"health_status: healthy","Actor":{"ID":"c1"}})")) ==
          EventEffect::Reinspect);
    CHECK(classifyEvent(ev(R"({"Type":"container","Action":"destroy","Actor":{"ID":"c1"}})")) ==
          EventEffect::Remove);
    CHECK(classifyEvent(
              ev(R"({"Type":"container","Action":"exec_start: true","Actor":{"ID":"c1"}})")) ==
          EventEffect::None);
    EngineEvent conn = ev(
        R"({"Type":"network","Action":"connect","Actor":{"ID":"n1","Attributes":{"container":"c9","name":"front"}}})");
    CHECK(conn.container_id == "c9");
    CHECK(classifyEvent(conn) == EventEffect::Reinspect);
    CHECK(classifyEvent(ev(R"({"Type":"network","Action":"create","Actor":{"ID":"n1"}})")) ==
          EventEffect::None);
    CHECK(classifyEvent(ev(R"({"Type":"image","Action":"pull","Actor":{"ID":"i"}})")) ==
          EventEffect::None);
    for (const char* a : {"pause", "unpause", "stop", "kill", "die", "rename", "restart"}) {
      EngineEvent e;
      e.type = "container";
      e.action = a;
      e.container_id = "c";
      CHECK(classifyEvent(e) == EventEffect::Reinspect);
    }
  }

  TEST_CASE("event stream: lines split at every possible point give the same events") {
    std::string stream;
    for (int i = 0; i < 20; ++i) {
      stream += R"({"Type":"container","Action":"start","Actor":{"ID":"id)" + std::to_string(i) +
                R"(","Attributes":{"name":"n"}}})";
      stream += (i % 3 == 0) ? "\r\n" : "\n";
    }
    std::mt19937 rng(42);
    for (int round = 0; round < 200; ++round) {
      EventStreamParser p;
      std::vector<std::string> ids;
      std::size_t pos = 0;
      while (pos < stream.size()) {
        std::size_t n = 1 + rng() % (round < 100 ? 7 : 300);
        for (auto& r : p.feed(std::string_view(stream).substr(pos, n))) {
          REQUIRE(r);
          ids.push_back(r->container_id);
        }
        pos += n;
      }
      REQUIRE(ids.size() == 20);
      CHECK(ids[0] == "id0");
      CHECK(ids[19] == "id19");
      CHECK(p.bufferedBytes() == 0);
    }
  }

  TEST_CASE("event stream: a bad line is reported and the next one still parses") {
    EventStreamParser p;
    auto out =
        p.feed("{oops\n\n{\"Type\":\"container\",\"Action\":\"die\",\"Actor\":{\"ID\":\"c\"}}\n");
    REQUIRE(out.size() == 2);
    CHECK_FALSE(out[0]);
    REQUIRE(out[1]);
    CHECK(out[1]->action == "die");
  }

  TEST_CASE("event stream: an over-long line is dropped without growing the buffer") {
    EventStreamParser p;
    std::string big(EventStreamParser::kMaxLineBytes + 10, 'x');
    auto out = p.feed(big);
    CHECK(out.size() == 1);
    CHECK(p.bufferedBytes() == 0);
    out = p.feed("yyy\n{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"c\"}}\n");
    REQUIRE(out.size() == 1);
    CHECK(out[0]);
  }

  TEST_CASE("error bodies: Docker's message field, else the text") {
    CHECK(errorMessageFromBody(R"({"message":"No such container: x"})") == "No such container: x");
    CHECK(errorMessageFromBody("plain text\n") == "plain text");
  }
}

}  // namespace
}  // namespace pier::providers::docker
