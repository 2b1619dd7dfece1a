#include "base/duration.h"

#include <cmath>
#include <cstdint>
#include <limits>

#include "base/strings.h"

namespace pier::base {
namespace {

constexpr std::int64_t kNs = 1;
constexpr std::int64_t kUs = 1000 * kNs;
constexpr std::int64_t kMs = 1000 * kUs;
constexpr std::int64_t kSec = 1000 * kMs;
constexpr std::int64_t kMin = 60 * kSec;
constexpr std::int64_t kHour = 60 * kMin;

Error invalid(std::string_view text, std::string_view why) {
  return Error::config("invalid duration \"" + std::string(text) + "\": " + std::string(why) +
                       " (expected a duration like 10s or 1m30s, or a number of seconds)");
}

// Longest unit names first so "ms" is not read as "m".
std::int64_t takeUnit(std::string_view& s) {
  static constexpr struct {
    std::string_view name;
    std::int64_t scale;
  } kUnits[] = {{"ns", kNs}, {"us", kUs}, {"\xC2\xB5s", kUs}, {"\xCE\xBCs", kUs},
                {"ms", kMs}, {"s", kSec}, {"m", kMin},        {"h", kHour}};
  for (const auto& u : kUnits) {
    if (s.substr(0, u.name.size()) == u.name) {
      s.remove_prefix(u.name.size());
      return u.scale;
    }
  }
  return 0;
}

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

// One "<number><unit>" term; adds its value in nanoseconds to `total` (as long double so that
// overflow can be detected before converting back).
bool takeTerm(std::string_view& s, long double& total, std::string& why) {
  std::size_t n = 0;
  while (n < s.size() && (isDigit(s[n]) || s[n] == '.'))
    ++n;
  std::string_view number = s.substr(0, n);
  if (number.empty() || number == "." || number.find('.') != number.rfind('.')) {
    why = "expected a number";
    return false;
  }
  if (number.size() > 32) {  // keeps std::stold far from its range limits
    why = "out of range";
    return false;
  }
  s.remove_prefix(n);
  std::int64_t scale = takeUnit(s);
  if (scale == 0) {
    why = s.empty() ? "missing unit" : "unknown unit \"" + std::string(s.substr(0, 2)) + "\"";
    return false;
  }
  total += std::stold(std::string(number)) * static_cast<long double>(scale);
  return true;
}

}  // namespace

Result<std::chrono::nanoseconds> parseDuration(std::string_view text) {
  std::string_view s = trim(text);
  if (s.empty()) {
    return fail(invalid(text, "empty value"));
  }
  long long seconds = 0;
  if (parseInt64(s, seconds)) {  // bare integer = seconds (Traefik's ptypes.Duration)
    if (seconds > std::numeric_limits<std::int64_t>::max() / kSec ||
        seconds < std::numeric_limits<std::int64_t>::min() / kSec) {
      return fail(invalid(text, "out of range"));
    }
    return std::chrono::nanoseconds(seconds * kSec);
  }
  bool negative = false;
  if (s.front() == '-' || s.front() == '+') {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) {
    return fail(invalid(text, "expected a number"));
  }
  long double total = 0;
  std::string why;
  while (!s.empty()) {
    if (!takeTerm(s, total, why)) {
      return fail(invalid(text, why));
    }
  }
  if (total > static_cast<long double>(std::numeric_limits<std::int64_t>::max())) {
    return fail(invalid(text, "out of range"));
  }
  auto ns = static_cast<std::int64_t>(std::llround(total));
  return std::chrono::nanoseconds(negative ? -ns : ns);
}

std::string formatDuration(std::chrono::nanoseconds d) {
  std::int64_t ns = d.count();
  if (ns == 0) {
    return "0s";
  }
  std::string sign = ns < 0 ? "-" : "";
  std::uint64_t v =
      ns < 0 ? static_cast<std::uint64_t>(-(ns + 1)) + 1 : static_cast<std::uint64_t>(ns);
  if (v < static_cast<std::uint64_t>(kSec)) {  // sub-second: one unit, like Go
    if (v < static_cast<std::uint64_t>(kUs))
      return sign + std::to_string(v) + "ns";
    auto frac = [](std::uint64_t value, std::uint64_t unit, const char* name) {
      std::string out = std::to_string(value / unit);
      std::string rest = std::to_string(value % unit + unit).substr(1);
      while (!rest.empty() && rest.back() == '0')
        rest.pop_back();
      return (rest.empty() ? out : out + "." + rest) + name;
    };
    if (v < static_cast<std::uint64_t>(kMs))
      return sign + frac(v, kUs, "\xC2\xB5s");
    return sign + frac(v, kMs, "ms");
  }
  std::string out = sign;
  std::uint64_t hours = v / kHour;
  std::uint64_t minutes = (v % kHour) / kMin;
  std::uint64_t rest = v % kMin;
  if (hours > 0)
    out += std::to_string(hours) + "h";
  if (hours > 0 || minutes > 0)
    out += std::to_string(minutes) + "m";
  std::string secs = std::to_string(rest / kSec);
  std::string frac = std::to_string(rest % kSec + kSec).substr(1);
  while (!frac.empty() && frac.back() == '0')
    frac.pop_back();
  return out + secs + (frac.empty() ? "" : "." + frac) + "s";
}

}  // namespace pier::base
