#include <doctest/doctest.h>

#include "observability/log_time.h"

using namespace pier::observability;

namespace {

std::string rfc(std::int64_t secs, std::int64_t ns, SecondText& cache) {
  auto t = std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::seconds(secs) + std::chrono::nanoseconds(ns)));
  char buf[64];
  return std::string(rfc3339Nano(buf, t, cache));
}

}  // namespace

TEST_CASE("RFC 3339 timestamps print nanoseconds as Go does, trailing zeros trimmed") {
  SecondText cache;
  CHECK(rfc(1700000000, 0, cache) == "2023-11-14T22:13:20Z");
  CHECK(rfc(1700000000, 1, cache) == "2023-11-14T22:13:20.000000001Z");
  CHECK(rfc(1700000000, 10, cache) == "2023-11-14T22:13:20.00000001Z");
  CHECK(rfc(1700000000, 100000000, cache) == "2023-11-14T22:13:20.1Z");
  CHECK(rfc(1700000000, 120000000, cache) == "2023-11-14T22:13:20.12Z");
  CHECK(rfc(1700000000, 123456789, cache) == "2023-11-14T22:13:20.123456789Z");
  CHECK(rfc(1700000000, 999999999, cache) == "2023-11-14T22:13:20.999999999Z");
  CHECK(rfc(1700000000, 905060708, cache) == "2023-11-14T22:13:20.905060708Z");
  // the cached second follows the clock, backwards too
  CHECK(rfc(1700000061, 5, cache) == "2023-11-14T22:14:21.000000005Z");
  CHECK(rfc(1699999999, 500000000, cache) == "2023-11-14T22:13:19.5Z");
}

TEST_CASE("common log format time") {
  SecondText cache;
  auto t = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  CHECK(clfTime(t, cache) == "14/Nov/2023:22:13:20 +0000");
}
