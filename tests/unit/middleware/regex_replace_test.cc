#include <doctest/doctest.h>

#include "routing/regex.h"

using namespace pier;

TEST_CASE("Regex::replaceAll expands templates like Go's ReplaceAllString") {
  auto re = routing::Regex::compile("a(?P<n>[0-9])");
  REQUIRE(re);
  CHECK((*re)->replaceAll("a1-a2", "<$1>") == "<1>-<2>");
  CHECK((*re)->replaceAll("a1", "${n}x") == "1x");
  CHECK((*re)->replaceAll("a1", "$nx") == "");  // $nx names group "nx": empty
  CHECK((*re)->replaceAll("a1", "$$") == "$");
  CHECK((*re)->replaceAll("zz", "y") == "zz");
  auto empty = routing::Regex::compile("x*");
  REQUIRE(empty);
  CHECK((*empty)->replaceAll("abc", "-") == "-a-b-c-");
  auto span = (*re)->find("zza3");
  REQUIRE(span);
  CHECK(span->begin == 2);
  CHECK(span->end == 4);
}
