// The dashboard's embedded files and the answers api@internal gives for them.
#include <doctest/doctest.h>

#include <string>

#include "observability/dashboard_assets.h"

using namespace pier::observability;

namespace {

bool contains(std::string_view text, std::string_view what) {
  return text.find(what) != std::string_view::npos;
}

}  // namespace

TEST_CASE("the three files are embedded with their content types") {
  const EmbeddedAsset* html = findDashboardAsset("index.html");
  const EmbeddedAsset* js = findDashboardAsset("app.js");
  const EmbeddedAsset* css = findDashboardAsset("style.css");
  REQUIRE(html != nullptr);
  REQUIRE(js != nullptr);
  REQUIRE(css != nullptr);
  CHECK(html->content_type == "text/html; charset=utf-8");
  CHECK(js->content_type == "text/javascript; charset=utf-8");
  CHECK(css->content_type == "text/css; charset=utf-8");
  CHECK(contains(html->body, "<!DOCTYPE html>"));
  // index.html names the current version of each file it loads.
  CHECK(contains(html->body, "app.js?v=" + std::string(js->version)));
  CHECK(contains(html->body, "style.css?v=" + std::string(css->version)));
  CHECK_FALSE(contains(html->body, "@VERSION:"));
  CHECK(findDashboardAsset("../meson.build") == nullptr);
}

TEST_CASE("nothing is loaded from another origin") {
  for (const EmbeddedAsset& a : dashboardAssets()) {
    CAPTURE(a.name);
    CHECK_FALSE(contains(a.body, "http://"));
    CHECK_FALSE(contains(a.body, "https://"));
    CHECK_FALSE(contains(a.body, "@import"));
  }
}

TEST_CASE("paths: redirects, index, files, versions and caching") {
  for (std::string_view p : {"/", "/dashboard"}) {
    auto r = dashboardReply(p, "");
    REQUIRE(r);
    CHECK(r->status == 302);
    CHECK(contains(r->headers, "Location: dashboard/\r\n"));
  }
  auto index = dashboardReply("/dashboard/", "");
  REQUIRE(index);
  CHECK(index->status == 200);
  CHECK(index->content_type == "text/html; charset=utf-8");
  CHECK(contains(index->headers, "Cache-Control: no-cache\r\n"));
  CHECK(contains(index->headers, "Content-Security-Policy: default-src 'none';"));
  CHECK(contains(index->headers, "X-Content-Type-Options: nosniff\r\n"));

  const EmbeddedAsset* js = findDashboardAsset("app.js");
  REQUIRE(js != nullptr);
  auto versioned = dashboardReply("/dashboard/app.js", "x=1&v=" + std::string(js->version));
  REQUIRE(versioned);
  CHECK(versioned->body == js->body);
  CHECK(contains(versioned->headers, "max-age=31536000, immutable"));
  auto stale = dashboardReply("/dashboard/app.js", "v=000000000000");
  REQUIRE(stale);
  CHECK(contains(stale->headers, "Cache-Control: no-cache\r\n"));

  CHECK_FALSE(dashboardReply("/dashboard/nope.js", ""));
  CHECK_FALSE(dashboardReply("/dashboardx", ""));
  CHECK_FALSE(dashboardReply("/api/overview", ""));
}
