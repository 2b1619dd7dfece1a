#include <doctest/doctest.h>

#include "observability/access_log.h"

using namespace pier::observability;

namespace {

AccessLogEntry entry(const pier::http::HeaderMap& headers) {
  AccessLogEntry e;
  e.start = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  e.duration_ns = 12'500'000;
  e.client_ip = "10.0.0.1";
  e.client_port = 5555;
  e.method = "GET";
  e.target = "/a?b=1";
  e.host = "example.com:8080";
  e.request_headers = &headers;
  e.status = 200;
  e.response_bytes = 42;
  e.forwarded = true;
  e.router = "r@file";
  e.service = "s@file";
  e.service_url = "http://10.0.0.2:80";
  e.service_addr = "10.0.0.2:80";
  e.entry_point = "web";
  e.request_count = 7;
  return e;
}

}  // namespace

TEST_CASE("common log format as Traefik writes it") {
  pier::http::HeaderMap h;
  h.add("User-Agent", "curl/8");
  AccessLogSettings s;
  CHECK(AccessLog::formatCommon(entry(h), s) ==
        "10.0.0.1 - - [14/Nov/2023:22:13:20 +0000] \"GET /a?b=1 HTTP/1.1\" 200 42 \"-\" \"-\" 7 "
        "\"r@file\" \"http://10.0.0.2:80\" 12ms\n");
  s.header_names["user-agent"] = FieldMode::Keep;
  s.generic_clf = true;
  CHECK(AccessLog::formatCommon(entry(h), s) ==
        "10.0.0.1 - - [14/Nov/2023:22:13:20 +0000] \"GET /a?b=1 HTTP/1.1\" 200 42 \"-\" "
        "\"curl/8\"\n");
}

TEST_CASE("json fields and header modes") {
  pier::http::HeaderMap h;
  h.add("Authorization", "secret");
  h.add("X-Drop", "x");
  h.add("Accept", "a\"b");
  AccessLogSettings s;
  s.headers_default = FieldMode::Keep;
  s.header_names["authorization"] = FieldMode::Redact;
  s.header_names["x-drop"] = FieldMode::Drop;
  s.field_names["clientport"] = FieldMode::Drop;
  std::string j = AccessLog::formatJson(entry(h), s);
  CHECK(j.find("\"request_Authorization\":\"REDACTED\"") != std::string::npos);
  CHECK(j.find("X-Drop") == std::string::npos);
  CHECK(j.find("\"request_Accept\":\"a\\\"b\"") != std::string::npos);
  CHECK(j.find("\"ClientPort\"") == std::string::npos);
  CHECK(j.find("\"RequestHost\":\"example.com\",\"RequestPort\":\"8080\"") != std::string::npos);
  CHECK(j.find("\"Duration\":12500000") != std::string::npos);
  CHECK(j.find("\"StartUTC\":\"2023-11-14T22:13:20Z\"") != std::string::npos);
  CHECK(j.back() == '\n');
}

TEST_CASE("filters keep a line when any matches") {
  pier::http::HeaderMap h;
  AccessLogEntry e = entry(h);
  AccessLogSettings s;
  CHECK(AccessLog::keep(e, s));
  s.status_ranges = {{500, 599}};
  CHECK_FALSE(AccessLog::keep(e, s));
  e.status = 503;
  CHECK(AccessLog::keep(e, s));
  e.status = 200;
  s.min_duration_ns = 10'000'000;
  CHECK(AccessLog::keep(e, s));
  s.min_duration_ns = 20'000'000;
  CHECK_FALSE(AccessLog::keep(e, s));
  s.retry_attempts = true;
  e.retries = 1;
  CHECK(AccessLog::keep(e, s));
}

TEST_CASE("status ranges and modes parse with named errors") {
  CHECK(*parseStatusRange("404") == std::make_pair(404, 404));
  CHECK(*parseStatusRange("500-599") == std::make_pair(500, 599));
  CHECK_FALSE(parseStatusRange("5xx"));
  CHECK(parseStatusRange("599-500").error().message.find("599-500") != std::string::npos);
  CHECK(*parseFieldMode("Redact") == FieldMode::Redact);
  CHECK_FALSE(parseFieldMode("hide"));
}
