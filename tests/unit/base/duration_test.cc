#include "base/duration.h"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <string_view>

using namespace std::chrono_literals;
using pier::base::formatDuration;
using pier::base::parseDuration;

TEST_SUITE("base") {
  TEST_CASE("duration: Go syntax and bare integers (spec A.2, A1.8)") {
    struct Case {
      std::string_view text;
      std::chrono::nanoseconds want;
    };
    const Case cases[] = {
        {"10", 10s},  // A1.8: bare integer = seconds
        {"0", 0s},           {"-5", -5s},
        {"300ms", 300ms},    {"1m30s", 90s},
        {"1.5h", 90min},     {"2h45m", 2h + 45min},
        {"10ns", 10ns},      {"7us", 7us},
        {"7\xC2\xB5s", 7us}, {"-1m", -1min},
        {"+2s", 2s},         {" 5s ", 5s},
        {".5s", 500ms},      {"1h0m0.25s", 1h + 250ms},
    };
    for (const auto& c : cases) {
      CAPTURE(c.text);
      auto d = parseDuration(c.text);
      REQUIRE(d.has_value());
      CHECK(*d == c.want);
    }
  }

  TEST_CASE("duration: errors say what was expected") {
    for (std::string_view bad : {"", "s", "10x", "1.2.3s", "ms", "5 s", "1h-1m", "abc", "-"}) {
      CAPTURE(bad);
      auto d = parseDuration(bad);
      REQUIRE_FALSE(d.has_value());
      CHECK(d.error().message.find("expected a duration like 10s or 1m30s") != std::string::npos);
    }
    CHECK(parseDuration("10x").error().message.find("unknown unit") != std::string::npos);
    CHECK(parseDuration("99999999999999999999h").has_value() == false);
    CHECK(parseDuration(std::string(5000, '9') + "s").has_value() == false);
  }

  TEST_CASE("duration: formatting follows Go") {
    CHECK(formatDuration(0s) == "0s");
    CHECK(formatDuration(90s) == "1m30s");
    CHECK(formatDuration(300ms) == "300ms");
    CHECK(formatDuration(2h + 45min) == "2h45m0s");
    CHECK(formatDuration(1500ms) == "1.5s");
    CHECK(formatDuration(-10s) == "-10s");
  }
}
