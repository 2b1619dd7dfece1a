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

TEST_CASE("appendJsonString escapes quotes, backslashes and control bytes only") {
  std::string out = "x";
  pier::base::appendJsonString(out, std::string_view("a\"b\\c\nd\te\r\x01\x7f\xc3\xa9<", 15));
  CHECK(out == "x\"a\\\"b\\\\c\\nd\\te\\u000d\\u0001\x7f\xc3\xa9<\"");
  out.clear();
  pier::base::appendJsonString(out, "");
  CHECK(out == "\"\"");
  pier::base::appendJsonString(out, "plain");
  CHECK(out == "\"\"\"plain\"");
}

TEST_CASE("hexValue: digits of either case, -1 for everything else") {
  CHECK(hexValue('0') == 0);
  CHECK(hexValue('9') == 9);
  CHECK(hexValue('a') == 10);
  CHECK(hexValue('f') == 15);
  CHECK(hexValue('A') == 10);
  CHECK(hexValue('F') == 15);
  // The neighbours of each range, and bytes that are not ASCII.
  for (char c : {'/', ':', '`', 'g', '@', 'G', ' ', '%', 'x', '\0', '\x80', '\xff'}) {
    CHECK(hexValue(c) == -1);
  }
  int seen = 0;
  for (int i = 0; i < 256; ++i) {
    seen += hexValue(static_cast<char>(i)) >= 0 ? 1 : 0;
  }
  CHECK(seen == 22);
}
