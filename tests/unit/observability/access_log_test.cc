#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "base/strings.h"
#include "observability/access_log.h"
#include "observability/access_log_memo.h"
#include "observability/access_log_record.h"
#include "observability/exchange_record.h"

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

TEST_CASE("json line, byte for byte") {
  pier::http::HeaderMap h;
  h.add("Host", "example.com:8080");
  AccessLogEntry e = entry(h);
  e.start += std::chrono::duration_cast<std::chrono::system_clock::duration>(
      std::chrono::nanoseconds(120'000'000));
  e.logged = std::chrono::system_clock::time_point(std::chrono::seconds(1700000001));
  e.client_ip = "::1";
  AccessLogSettings s;
  CHECK(AccessLog::formatJson(e, s) ==
        "{\"ClientAddr\":\"[::1]:5555\",\"ClientHost\":\"::1\",\"ClientPort\":\"5555\","
        "\"ClientUsername\":\"-\",\"DownstreamContentSize\":42,\"DownstreamStatus\":200,"
        "\"Duration\":12500000,\"OriginContentSize\":42,\"OriginDuration\":12500000,"
        "\"OriginStatus\":200,\"Overhead\":0,\"RequestAddr\":\"example.com:8080\","
        "\"RequestHost\":\"example.com\",\"RequestPort\":\"8080\",\"RequestContentSize\":0,"
        "\"RequestCount\":7,\"RequestMethod\":\"GET\",\"RequestPath\":\"/a?b=1\","
        "\"RequestProtocol\":\"HTTP/1.1\",\"RequestScheme\":\"http\",\"RetryAttempts\":0,"
        "\"RouterName\":\"r@file\",\"ServiceName\":\"s@file\","
        "\"ServiceURL\":\"http://10.0.0.2:80\",\"ServiceAddr\":\"10.0.0.2:80\","
        "\"StartLocal\":\"2023-11-14T22:13:20.12Z\",\"StartUTC\":\"2023-11-14T22:13:20.12Z\","
        "\"entryPointName\":\"web\",\"level\":\"info\",\"msg\":\"\","
        "\"time\":\"2023-11-14T22:13:21Z\"}\n");
  // the per-second time cache follows the clock: a later second and a lone StartUTC
  e.start += std::chrono::seconds(61);
  s.field_names["startlocal"] = FieldMode::Drop;
  std::string j = AccessLog::formatJson(e, s);
  CHECK(j.find("\"StartLocal\"") == std::string::npos);
  CHECK(j.find("\"StartUTC\":\"2023-11-14T22:14:21.12Z\"") != std::string::npos);
}

TEST_CASE("a worker's remembered route fields never print a stale value") {
  // One memo across a worker's lines: every line must equal the line made without it, including
  // when a value changes to another of the same length, and past the memo's few routes.
  pier::http::HeaderMap h;
  AccessLogSettings s;
  KeptFields kept(s);
  JsonLineMemo memo;
  std::vector<AccessLogEntry> lines;
  AccessLogEntry e = entry(h);
  e.logged = e.start;
  lines.push_back(e);
  lines.push_back(e);   // unchanged: copied from the memo
  e.router = "q@file";  // same length, other router
  lines.push_back(e);
  e.service_url = "http://10.0.0.3:80";
  e.service_addr = "10.0.0.3:80";
  lines.push_back(e);
  e.forwarded = false;  // answered by the proxy: no server
  e.service_url = e.service_addr = {};
  lines.push_back(e);
  e.service = {};
  lines.push_back(e);
  e.router = "q\"x@file";  // a value that needs escaping, remembered escaped
  lines.push_back(e);
  lines.push_back(e);
  std::vector<std::string> many;  // more routes than the memo keeps, then the first again
  for (int i = 0; i < 2 * static_cast<int>(JsonLineMemo::kRoutes) + 1; ++i) {
    many.push_back("r" + std::to_string(i) + "@docker");
  }
  for (const std::string& name : many) {
    e.router = name;
    lines.push_back(e);
  }
  e.router = many.front();
  lines.push_back(e);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    CAPTURE(i);
    std::string plain;
    AccessLog::appendJson(plain, lines[i], s, kept);
    std::string remembered;
    AccessLog::appendJson(remembered, lines[i], s, kept, &memo);
    CHECK(remembered == plain);
  }
}

TEST_CASE("route fields are remembered by the route's identity when the proxy gives one") {
  pier::http::HeaderMap h;
  AccessLogSettings s;
  KeptFields kept(s);
  JsonLineMemo memo;
  int router_a = 0;
  int router_b = 0;
  int server_a = 0;
  auto line = [&](const AccessLogEntry& e) {
    std::string out;
    AccessLog::appendJson(out, e, s, kept, &memo);
    return out;
  };
  auto plain = [&](const AccessLogEntry& e) {
    std::string out;
    AccessLog::appendJson(out, e, s, kept);
    return out;
  };
  AccessLogEntry e = entry(h);
  e.logged = e.start;
  e.route_identity = {7, &router_a, nullptr, &server_a};
  CHECK(line(e) == plain(e));
  // The same identity is the same route: its remembered fields are printed without reading the
  // values (here deliberately changed, which the proxy never does within a generation).
  AccessLogEntry same = e;
  same.router = "changed@file";
  CHECK(line(same) == plain(e));
  // Another router, another generation or another server renders again.
  for (RouteIdentity other : {RouteIdentity{7, &router_b, nullptr, &server_a},
                              RouteIdentity{8, &router_a, nullptr, &server_a},
                              RouteIdentity{7, &router_a, nullptr, nullptr}}) {
    AccessLogEntry next = e;
    next.route_identity = other;
    next.router = "next@file";
    CHECK(line(next) == plain(next));
  }
  // A line without an identity is compared by its values, never matched to a piece stored by
  // identity.
  AccessLogEntry unknown = e;
  unknown.route_identity = {};
  unknown.router = "changed@file";
  CHECK(line(unknown) == plain(unknown));
  CHECK(line(unknown) == plain(unknown));
}

TEST_CASE("field and header names match whatever their case") {
  AccessLogSettings s;
  CHECK(s.keepField("ClientPort"));
  CHECK(s.headerMode("User-Agent") == FieldMode::Drop);
  CHECK_FALSE(s.anyHeaderKept());
  s.field_names["clientport"] = FieldMode::Drop;
  s.header_names["user-agent"] = FieldMode::Redact;
  CHECK_FALSE(s.keepField("CLIENTPORT"));
  CHECK(s.keepField("ClientHost"));
  CHECK(s.headerMode("user-AGENT") == FieldMode::Redact);
  CHECK(s.headerMode(std::string(200, 'x')) == FieldMode::Drop);  // longer than any name
  CHECK(s.anyHeaderKept());
}

TEST_CASE("a logged request keeps only the headers its line can print") {
  pier::http::RequestHead head{.method = "GET", .target = "/x", .version_minor = 1, .headers = {}};
  head.headers.add("host", "a.example");
  head.headers.add("User-Agent", "curl/8");
  head.headers.add("X-Forwarded-For", "1.2.3.4");
  head.headers.add("Cookie", "c=1");
  head.headers.add("Referer", "http://r/");

  AccessLogSettings s;
  s.header_names["referer"] = FieldMode::Drop;
  LoggedRequest r;
  r.assign(head, nullptr, true);
  CHECK(r.method == "GET");
  CHECK(r.target == "/x");
  CHECK(r.headers.empty());  // no header is printed: none is copied
  CHECK(r.host == "a.example");
  CHECK(r.has_forwarded_for);
  CHECK(r.forwarded_for == "1.2.3.4");

  s.header_names["user-agent"] = FieldMode::Redact;  // one header asked for
  r.assign(head, &s, true);
  REQUIRE(r.headers.size() == 1);
  CHECK(r.headers.fields()[0].name == "User-Agent");

  s.headers_default = FieldMode::Keep;  // all but Referer
  r.assign(head, &s, true);
  CHECK(r.headers.size() == 4);
  CHECK_FALSE(r.headers.has("Referer"));

  // The same object serves the connection's next request: nothing of the first may remain.
  pier::http::RequestHead bare{.method = "POST", .target = "/", .version_minor = 0, .headers = {}};
  r.assign(bare, &s, true);
  CHECK(r.method == "POST");
  CHECK(r.target == "/");
  CHECK(r.version_minor == 0);
  CHECK(r.host.empty());
  CHECK_FALSE(r.has_forwarded_for);
  CHECK(r.forwarded_for.empty());
  CHECK(r.headers.empty());

  // An entry point that trusts no one never prints X-Forwarded-For: it is not even looked up.
  r.assign(head, nullptr, false);
  CHECK_FALSE(r.has_forwarded_for);
  CHECK(r.forwarded_for.empty());
  CHECK(r.host == "a.example");
}

TEST_CASE("a worker's shard copies request headers only when one can be printed") {
  AccessLogSettings s;
  s.file_path = "/dev/null";
  s.header_names["referer"] = FieldMode::Drop;
  auto dropping = AccessLog::open(s, 1);
  REQUIRE(dropping);
  CHECK_FALSE((*dropping)->shard(0).keepsRequestHeaders());
  s.header_names["user-agent"] = FieldMode::Redact;
  auto one = AccessLog::open(s, 1);
  REQUIRE(one);
  CHECK((*one)->shard(0).keepsRequestHeaders());
}

TEST_CASE("a shard turns steady-clock readings into wall-clock time") {
  AccessLogSettings s;
  s.file_path = "/dev/null";
  auto log = AccessLog::open(s, 1);
  REQUIRE(log);
  AccessLogShard& shard = (*log)->shard(0);
  auto off_by = [&] {
    auto wall = shard.wallTime(std::chrono::steady_clock::now());
    return std::chrono::abs(std::chrono::system_clock::now() - wall);
  };
  CHECK(off_by() < std::chrono::milliseconds(50));
  shard.syncWallClock();
  CHECK(off_by() < std::chrono::milliseconds(50));
}

TEST_CASE("an exchange points at its logged request only when the log is on") {
  pier::http::RequestHead head{.method = "GET", .target = "/x", .version_minor = 1, .headers = {}};
  LoggedRequest logged;
  ExchangeRecord on;
  on.begin(head, &logged);
  CHECK(on.request == &logged);
  ExchangeRecord off;
  off.begin(head, nullptr);
  CHECK(off.request == nullptr);
}

TEST_CASE("json values escape as base::appendJsonString does, wherever the byte sits") {
  // Put each byte that needs an escape (and some that do not) at every offset of a short value,
  // at the end, and in runs.
  pier::http::HeaderMap h;
  AccessLogSettings s;
  const std::string specials = std::string("\"\\\n\t\x01\x1f", 6) + "\x7f\x80<&/ ";
  std::vector<std::string> paths = {"", "/", "/plain-path-longer-than-sixteen-bytes"};
  for (char c : specials) {
    for (std::size_t at = 0; at < 18; ++at) {
      std::string p(20, 'a');
      p[at] = c;
      paths.push_back(p);
      paths.push_back(p.substr(0, at + 1));
    }
    paths.push_back(std::string(9, c));
  }
  for (const std::string& path : paths) {
    AccessLogEntry e = entry(h);
    e.target = path;
    std::string expected = "\"RequestPath\":";
    pier::base::appendJsonString(expected, path);
    INFO("path: ", path);
    CHECK(AccessLog::formatJson(e, s).find(expected + ",") != std::string::npos);
  }
}

TEST_CASE("kept fields follow defaultMode and names, in any case") {
  AccessLogSettings s;
  s.fields_default = FieldMode::Drop;
  s.field_names["requestpath"] = FieldMode::Keep;
  KeptFields kept(s);
  CHECK(kept[LogField::RequestPath]);
  CHECK_FALSE(kept[LogField::ClientHost]);
  pier::http::HeaderMap h;
  AccessLogEntry e = entry(h);
  e.logged = std::chrono::system_clock::time_point(std::chrono::seconds(1700000001));
  CHECK(AccessLog::formatJson(e, s) ==
        "{\"RequestPath\":\"/a?b=1\",\"level\":\"info\",\"msg\":\"\","
        "\"time\":\"2023-11-14T22:13:21Z\"}\n");
  s.field_names.clear();
  CHECK(AccessLog::formatJson(e, s) ==
        "{\"level\":\"info\",\"msg\":\"\",\"time\":\"2023-11-14T22:13:21Z\"}\n");
}

namespace {

std::string readFile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  REQUIRE(f != nullptr);
  std::string text;
  char buf[65536];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) {
    text.append(buf, n);
  }
  std::fclose(f);
  return text;
}

// An empty file of its own for a log, removed at the end of the test.
class TempLogFile {
 public:
  TempLogFile() {
    int fd = mkstemp(path_);
    REQUIRE(fd >= 0);
    close(fd);
  }
  ~TempLogFile() { std::remove(path_); }
  TempLogFile(const TempLogFile&) = delete;
  TempLogFile& operator=(const TempLogFile&) = delete;
  std::string path() const { return path_; }

 private:
  char path_[40] = "/tmp/pier-access-log-test-XXXXXX";
};

}  // namespace

TEST_CASE("a shard's file holds exactly the lines it was given, across batches") {
  // Lines of every size go through the worker's buffer (reused between batches, grown for a line
  // larger than its slack) and the writer thread; the file must equal the formatted lines.
  for (bool json : {true, false}) {
    CAPTURE(json);
    TempLogFile file;
    AccessLogSettings s;
    s.file_path = file.path();
    s.json = json;
    s.headers_default = FieldMode::Keep;
    auto log = AccessLog::open(s, 1);
    REQUIRE(log);
    std::string expected;
    std::vector<pier::http::HeaderMap> headers(400);
    for (std::size_t i = 0; i < headers.size(); ++i) {
      // mostly ordinary lines; every 97th carries a 20 KiB header, larger than the slack
      headers[i].add("User-Agent", std::string(i % 97 == 0 ? 20000 : i % 13, 'u'));
      AccessLogEntry e = entry(headers[i]);
      e.logged = e.start;
      e.request_count = i;
      std::string path_text = "/line/" + std::to_string(i);
      e.target = path_text;
      expected += json ? AccessLog::formatJson(e, s) : AccessLog::formatCommon(e, s);
      (*log)->shard(0).add(e);
    }
    (*log)->shard(0).flush();
    (*log)->stop();
    std::string got = readFile(file.path());
    CHECK(got.size() == expected.size());
    bool same = got == expected;  // not printed: the lines are long
    CHECK(same);
  }
}

TEST_CASE("a record carries every field of a line to the writer") {
  pier::http::HeaderMap h;
  h.add("User-Agent", "curl/8 \"quoted\"");
  h.add("X-Empty", "");
  AccessLogSettings s;
  s.json = true;
  s.headers_default = FieldMode::Keep;
  AccessLogEntry e = entry(h);
  e.logged = e.start + std::chrono::milliseconds(3);
  e.forwarded_for = "192.0.2.7";
  e.request_bytes = 1234;
  e.retries = 2;
  e.version_minor = 0;
  e.tls = true;
  e.tls_version = "1.3";
  e.tls_cipher = "TLS_AES_128_GCM_SHA256";
  e.tls_client_subject = "CN=client";
  int router = 0;
  e.route_identity = {5, &router, nullptr, nullptr};
  std::string bytes;
  bool define = false;
  record::RouteSlots slots;
  std::uint8_t slot = slots.slotFor(e, define);
  CHECK(define);
  record::LineRecord line(e);
  bytes.resize(record::routeSize(e) + line.size());
  char* at = record::writeRoute(bytes.data(), e, slot);
  CHECK(line.write(at, slot) == bytes.data() + bytes.size());
  record::RecordReader reader;
  const char* p = bytes.data();
  AccessLogEntry decoded;
  CHECK_FALSE(reader.next(p, bytes.data() + bytes.size(), decoded));  // the route
  REQUIRE(reader.next(p, bytes.data() + bytes.size(), decoded));
  CHECK(p == bytes.data() + bytes.size());
  CHECK(decoded.route_identity == e.route_identity);
  CHECK(AccessLog::formatJson(decoded, s) == AccessLog::formatJson(e, s));
  CHECK(AccessLog::formatCommon(decoded, s) == AccessLog::formatCommon(e, s));
  // The same route again needs no route record.
  CHECK(slots.slotFor(e, define) == slot);
  CHECK_FALSE(define);
}

TEST_CASE("lines name their routes through slots, across shards and past the slot count") {
  // Two shards, each logging more routes than it has slots, with names that are gone once a line
  // was added (as a configuration may be gone by the time the writer formats): every line must
  // print its own route, in each shard's order.
  TempLogFile file;
  AccessLogSettings s;
  s.file_path = file.path();
  s.json = true;
  s.buffering_size = 7;  // small batches: routes are defined in one batch and used in later ones
  auto log = AccessLog::open(s, 2);
  REQUIRE(log);
  pier::http::HeaderMap h;
  std::vector<std::string> expected(2);
  int objects[64] = {};
  for (int i = 0; i < 300; ++i) {
    for (std::size_t shard = 0; shard < 2; ++shard) {
      // routes come back after others evicted them; odd routes have no identity
      int route = (i * 7 + static_cast<int>(shard) * 3) % 23;
      std::string router = "router-" + std::to_string(route) + "@docker";
      std::string url = "http://10.0.0." + std::to_string(route) + ":80";
      AccessLogEntry e = entry(h);
      e.logged = e.start;
      e.request_headers = nullptr;
      e.router = router;
      e.service_url = url;
      e.request_count = static_cast<std::uint64_t>(i);
      if (route % 2 == 0) {
        e.route_identity = {1, &objects[route], &objects[route + 23], nullptr};
      }
      expected[shard] += AccessLog::formatJson(e, s);
      (*log)->shard(shard).add(e);
    }
  }
  (*log)->shard(0).flush();
  (*log)->shard(1).flush();
  (*log)->stop();
  // Lines of the two shards interleave by batch; each shard's own lines keep their order.
  std::vector<std::string> got(2);
  std::string text = readFile(file.path());
  std::size_t from = 0;
  while (from < text.size()) {
    std::size_t end = text.find('\n', from) + 1;
    std::string line = text.substr(from, end - from);
    // A line is shard 0's when it is that shard's next line (the two never print the same
    // line: at the same count their routes differ).
    bool first = expected[0].compare(got[0].size(), line.size(), line) == 0;
    got[first ? 0 : 1] += line;
    from = end;
  }
  CHECK(got[0] == expected[0]);
  CHECK(got[1] == expected[1]);
}

TEST_CASE("values of every short length are copied whole") {
  pier::http::HeaderMap h;
  AccessLogSettings s;
  for (std::size_t n = 0; n <= 40; ++n) {
    CAPTURE(n);
    std::string path;
    for (std::size_t i = 0; i < n; ++i) {
      path += static_cast<char>('a' + i % 26);
    }
    std::string router = path + "@file";
    AccessLogEntry e = entry(h);
    e.target = path;
    e.router = router;
    std::string line = AccessLog::formatJson(e, s);
    CHECK(line.find("\"RequestPath\":\"" + path + "\",") != std::string::npos);
    CHECK(line.find("\"RouterName\":\"" + router + "\",") != std::string::npos);
  }
}

TEST_CASE("numbers print as decimal text, small and large") {
  // Small numbers take a short path (access_log_json.cc writeDecimal); the rest to_chars.
  pier::http::HeaderMap h;
  AccessLogSettings s;
  std::vector<std::int64_t> values;
  for (std::int64_t v = 0; v <= 1100; ++v) {
    values.push_back(v);
  }
  for (std::int64_t v : {9999LL, 10000LL, 123456789LL, 9223372036854775807LL, -1LL, -1234LL}) {
    values.push_back(v);
  }
  for (std::int64_t v : values) {
    CAPTURE(v);
    AccessLogEntry e = entry(h);
    e.duration_ns = v;
    std::string line = AccessLog::formatJson(e, s);
    CHECK(line.find("\"Duration\":" + std::to_string(v) + ",") != std::string::npos);
  }
}
