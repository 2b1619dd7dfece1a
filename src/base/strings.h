// ASCII string helpers shared by every module. No allocation unless the result is a new string.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pier::base {

inline char asciiLower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}
inline char asciiUpper(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
}
// Value of a hexadecimal digit (either case), or -1 when `c` is not one. Inline: the chunked
// body validator calls it for every chunk-size byte.
inline int hexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

bool iequals(std::string_view a, std::string_view b);
bool istartsWith(std::string_view s, std::string_view prefix);
std::string toLower(std::string_view s);
std::string toUpper(std::string_view s);
std::string_view trim(std::string_view s);
// Splits on `sep`, trimming each item; empty items are dropped.
std::vector<std::string> splitTrim(std::string_view s, char sep);
// Parses a base-10 integer covering the whole string.
bool parseInt64(std::string_view s, long long& out);
bool parseUint64(std::string_view s, unsigned long long& out);
// Levenshtein distance, for "did you mean" suggestions.
std::size_t editDistance(std::string_view a, std::string_view b);

// Appends `s` as a JSON string literal (quotes included): the escapes RFC 8259 requires, and
// \u00XX for the other control characters. Shared by the JSON process log and access log.
void appendJsonString(std::string& out, std::string_view s);

}  // namespace pier::base
