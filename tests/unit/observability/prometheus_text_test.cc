#include <doctest/doctest.h>

#include "observability/prometheus_text.h"

using pier::observability::PrometheusText;

TEST_CASE("family and samples in exposition format") {
  PrometheusText t;
  t.family("x_total", "Things\nand \\ more.", "counter");
  t.sample("x_total", {{"a", "1"}, {"b", "q\"uo\\te\nnl"}}, std::uint64_t{42});
  t.sample("x_total", {}, std::int64_t{-3});
  CHECK(t.text() ==
        "# HELP x_total Things\\nand \\\\ more.\n"
        "# TYPE x_total counter\n"
        "x_total{a=\"1\",b=\"q\\\"uo\\\\te\\nnl\"} 42\n"
        "x_total -3\n");
}

TEST_CASE("doubles: shortest round trip and special values") {
  CHECK(PrometheusText::formatDouble(0.1) == "0.1");
  CHECK(PrometheusText::formatDouble(5.0) == "5");
  CHECK(PrometheusText::formatDouble(1.2) == "1.2");
  CHECK(PrometheusText::formatDouble(1.0 / 0.0) == "+Inf");
  CHECK(PrometheusText::formatDouble(-1.0 / 0.0) == "-Inf");
  CHECK(PrometheusText::formatDouble(0.0 / 0.0) == "NaN");
}
