#include "base/strings.h"

#include <doctest/doctest.h>

using namespace pier::base;

TEST_CASE("strings: case-insensitive compare and split") {
  CHECK(iequals("EntryPoints", "entrypoints"));
  CHECK_FALSE(iequals("a", "ab"));
  auto items = splitTrim(" 10.0.0.0/8, 172.16.0.0/12 ,,", ',');
  REQUIRE(items.size() == 2);
  CHECK(items[1] == "172.16.0.0/12");
  long long v = 0;
  CHECK(parseInt64("-42", v));
  CHECK(v == -42);
  CHECK_FALSE(parseInt64("4x", v));
  CHECK(editDistance("entrypoints", "entrypoint") == 1);
}
