#include "observability/api_query.h"

#include <doctest/doctest.h>

using namespace pier::observability;

namespace {

ApiListEntry router(std::string name, std::string status, std::string rule, std::string service,
                    std::int64_t priority) {
  ApiListEntry e;
  e.json = "\"" + name + "\"";  // the body is the names in order, easy to compare
  e.name = std::move(name);
  e.status = std::move(status);
  e.provider = e.name.substr(e.name.find('@') + 1);
  e.rule = std::move(rule);
  e.service = std::move(service);
  e.priority = priority;
  return e;
}

ApiContent content() {
  ApiContent c;
  ApiList& routers = c.lists["/api/tcp/routers"];
  routers.kind = ApiListKind::Routers;
  routers.entries = {router("db@docker", "enabled", "HostSNI(`db.example`)", "db", 20),
                     router("cache@file", "disabled", "HostSNI(`*`)", "cache", -1),
                     router("api@file", "warning", "HostSNI(`API.example`)", "api@docker", 22)};
  routers.entries[0].middlewares = {"ipallow"};
  c.documents["/api/overview"] = "{}";
  c.documents["/api/tcp/routers/db@docker"] = "{\"name\":\"db@docker\"}";
  return c;
}

ApiAnswer ask(std::string_view path, std::string_view query = {}) {
  auto a = answerApi(content(), path, query);
  REQUIRE(a.has_value());
  return *a;
}

}  // namespace

TEST_CASE("api query: lists are sorted by name and carry X-Next-Page") {
  ApiAnswer a = ask("/api/tcp/routers");
  CHECK(a.status == 200);
  CHECK(a.json);
  CHECK(a.body == R"(["api@file","cache@file","db@docker"])");
  CHECK(a.next_page == "1");
  CHECK(ask("/api/overview").next_page.empty());
  CHECK(ask("/api/tcp/routers/db@docker").body == "{\"name\":\"db@docker\"}");
}

TEST_CASE("api query: search, status, serviceName and middlewareName filter") {
  CHECK(ask("/api/tcp/routers", "search=API").body == R"(["api@file"])");
  CHECK(ask("/api/tcp/routers", "search=example").body == R"(["api@file","db@docker"])");
  CHECK(ask("/api/tcp/routers", "search=%40docker").body == R"(["db@docker"])");
  CHECK(ask("/api/tcp/routers", "status=Disabled").body == R"(["cache@file"])");
  CHECK(ask("/api/tcp/routers", "status=enabled&search=cache").body == "[]");
  CHECK(ask("/api/tcp/routers", "serviceName=db@file").body == R"(["db@docker"])");
  CHECK(ask("/api/tcp/routers", "serviceName=api@docker").body == R"(["api@file"])");
  CHECK(ask("/api/tcp/routers", "serviceName=api").body == "[]");
  CHECK(ask("/api/tcp/routers", "middlewareName=ipallow").body == R"(["db@docker"])");
}

TEST_CASE("api query: sortBy and direction, ties by name") {
  CHECK(ask("/api/tcp/routers", "sortBy=priority").body ==
        R"(["cache@file","db@docker","api@file"])");
  CHECK(ask("/api/tcp/routers", "sortBy=priority&direction=desc").body ==
        R"(["api@file","db@docker","cache@file"])");
  CHECK(ask("/api/tcp/routers", "sortBy=provider").body ==
        R"(["db@docker","api@file","cache@file"])");
  CHECK(ask("/api/tcp/routers", "direction=desc").body ==
        R"(["db@docker","cache@file","api@file"])");
}

TEST_CASE("api query: pagination") {
  ApiAnswer p1 = ask("/api/tcp/routers", "per_page=2");
  CHECK(p1.body == R"(["api@file","cache@file"])");
  CHECK(p1.next_page == "2");
  ApiAnswer p2 = ask("/api/tcp/routers", "per_page=2&page=2");
  CHECK(p2.body == R"(["db@docker"])");
  CHECK(p2.next_page == "1");
  CHECK(ask("/api/tcp/routers", "per_page=3").next_page == "1");
  ApiAnswer beyond = ask("/api/tcp/routers", "per_page=2&page=3");
  CHECK(beyond.status == 400);
  CHECK_FALSE(beyond.json);
  CHECK(beyond.body == "{\"message\":\"invalid request: page: 3, per_page: 2\"}\n");
  CHECK(ask("/api/tcp/routers", "per_page=0").body ==
        "{\"message\":\"invalid request: per_page: 0\"}\n");
  CHECK(ask("/api/tcp/routers", "page=x").status == 400);
  CHECK(ask("/api/tcp/routers", "page=9223372036854775807&per_page=9223372036854775807").status ==
        400);
  // An empty list has one (empty) first page.
  ApiContent empty;
  empty.lists["/api/udp/routers"] = ApiList{};
  auto a = answerApi(empty, "/api/udp/routers", "");
  REQUIRE(a);
  CHECK(a->body == "[]");
  CHECK(a->next_page == "1");
}

TEST_CASE("api query: unknown objects under a list are Traefik's JSON 404") {
  ApiAnswer a = ask("/api/tcp/routers/nope@file");
  CHECK(a.status == 404);
  CHECK(a.body == "{\"message\":\"router not found: nope@file\"}\n");
  CHECK_FALSE(answerApi(content(), "/api/nothing", "").has_value());
  CHECK_FALSE(answerApi(content(), "/api/http/routers/x", "").has_value());
}

TEST_CASE("api query: query values are form-decoded, first one wins") {
  CHECK(queryValue("a=1&b=x+y%21&a=2", "a") == "1");
  CHECK(queryValue("a=1&b=x+y%21&a=2", "b") == "x y!");
  CHECK(queryValue("flag&c=", "flag") == "");
  CHECK(queryValue("c=", "c") == "");
  CHECK_FALSE(queryValue("a=1;b=2", "a").has_value());
  CHECK_FALSE(queryValue("", "a").has_value());
}

namespace {

constexpr std::int64_t kNow = 1'800'000'000;
constexpr std::int64_t kDay = 24 * 3600;

ApiListEntry certificate(std::string cn, std::string id, std::string issuer, std::int64_t not_after,
                         std::vector<std::string> sans) {
  ApiListEntry e;
  e.json = "{\"commonName\":\"" + cn + "\"";  // the answer closes it after `status`
  e.name = std::move(cn);
  e.id = std::move(id);
  e.issuer = issuer;
  e.searched = {std::move(issuer)};
  e.searched.insert(e.searched.end(), sans.begin(), sans.end());
  e.not_after = not_after;
  return e;
}

ApiContent certificates() {
  ApiContent c;
  ApiList& list = c.lists["/api/certificates"];
  list.kind = ApiListKind::Certificates;
  list.entries = {certificate("b.test", "bbbb", "Zeta CA", kNow + 100 * kDay, {"b.test"}),
                  certificate("a.test", "aaaa", "Alpha CA", kNow + 10 * kDay, {"www.a.test"}),
                  certificate("old.test", "cccc", "Alpha CA", kNow - 1, {"old.test"})};
  c.support_files = {{"version.json", "{\"version\":\"1\"}"}};
  return c;
}

std::string certs(std::string_view path, std::string_view query = {}) {
  auto a = answerApi(certificates(), path, query, kNow);
  REQUIRE(a.has_value());
  REQUIRE(a->status == 200);
  return a->body;
}

}  // namespace

TEST_CASE("certificate status: expired, warning within 30 days, else enabled") {
  CHECK(certificateStatus(kNow - 1, kNow) == "expired");
  CHECK(certificateStatus(kNow, kNow) == "warning");
  CHECK(certificateStatus(kNow + 30 * kDay - 1, kNow) == "warning");
  CHECK(certificateStatus(kNow + 30 * kDay, kNow) == "enabled");
}

TEST_CASE("certificates: status added per request, Traefik's sorts and filters") {
  CHECK(certs("/api/certificates") ==
        "[{\"commonName\":\"a.test\",\"status\":\"warning\"},"
        "{\"commonName\":\"b.test\",\"status\":\"enabled\"},"
        "{\"commonName\":\"old.test\",\"status\":\"expired\"}]");
  CHECK(certs("/api/certificates", "sortBy=validUntil").find("old.test") == 16);
  CHECK(certs("/api/certificates", "sortBy=issuer&direction=desc").find("b.test") == 16);
  CHECK(certs("/api/certificates", "status=expired") ==
        "[{\"commonName\":\"old.test\",\"status\":\"expired\"}]");
  CHECK(certs("/api/certificates", "search=WWW.A") ==
        "[{\"commonName\":\"a.test\",\"status\":\"warning\"}]");
  CHECK(certs("/api/certificates", "search=zeta") ==
        "[{\"commonName\":\"b.test\",\"status\":\"enabled\"}]");
  CHECK(certs("/api/certificates/bbbb") == "{\"commonName\":\"b.test\",\"status\":\"enabled\"}");
  auto missing = answerApi(certificates(), "/api/certificates/dddd", "", kNow);
  REQUIRE(missing);
  CHECK(missing->status == 404);
  CHECK(missing->body == "{\"message\":\"certificate not found: dddd\"}\n");
}

TEST_CASE("support dump: a gzip download of the published files") {
  auto a = answerApi(certificates(), "/api/support-dump", "", kNow);
  REQUIRE(a);
  CHECK(a->status == 200);
  CHECK(a->content_type == "application/gzip");
  CHECK(a->headers == "Content-Disposition: attachment; filename=support-dump.tar.gz\r\n");
  CHECK(a->body == *tarGzip({{"version.json", "{\"version\":\"1\"}"}}, kNow));
  // Nothing published yet (before the first build): not found.
  CHECK_FALSE(answerApi(ApiContent{}, "/api/support-dump", "", kNow));
}

TEST_CASE("overview: certificate counts by status filled in per request") {
  ApiContent c = certificates();
  c.documents["/api/overview"] = "{\"udp\":{},\"certificates\":null,\"features\":{}}";
  auto a = answerApi(c, "/api/overview", "", kNow);
  REQUIRE(a);
  CHECK(a->body ==
        "{\"udp\":{},\"certificates\":{\"total\":3,\"warnings\":1,\"errors\":1},\"features\":{}}");
  // A year later all three have expired.
  a = answerApi(c, "/api/overview", "", kNow + 365 * kDay);
  REQUIRE(a);
  CHECK(a->body.find("{\"total\":3,\"warnings\":0,\"errors\":3}") != std::string::npos);
}
