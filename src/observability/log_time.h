// Timestamps as Traefik's access log writes them. The date-and-time part changes once a second
// while lines are written thousands of times a second, so each caller keeps the last second it
// formatted in a SecondText (gmtime and strftime cost more than the rest of a line).
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <string_view>

namespace pier::observability {

// "00" "01" .. "99": two decimal digits per lookup (timestamps, access-log numbers).
inline constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

struct SecondText {
  std::int64_t secs = std::numeric_limits<std::int64_t>::min();
  char text[48] = {};
  std::size_t len = 0;
};

// "28/Nov/2026:14:00:00 +0000": the common log format's time (Traefik formats StartUTC).
std::string_view clfTime(std::chrono::system_clock::time_point t, SecondText& cache);

// RFC 3339 with nanoseconds in UTC, as Go marshals a time.Time (trailing zeros trimmed):
// "2026-11-28T14:00:00.1234Z". Written into `buf`, which the result views.
std::string_view rfc3339Nano(char (&buf)[64], std::chrono::system_clock::time_point t,
                             SecondText& cache);
// The same text written at `out` (at most kRfc3339NanoMax bytes); returns its end.
constexpr std::size_t kRfc3339NanoMax = 40;
char* writeRfc3339Nano(char* out, std::chrono::system_clock::time_point t, SecondText& cache);

}  // namespace pier::observability
