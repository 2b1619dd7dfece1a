#include "observability/log_time.h"

#include <ctime>
#include <utility>

namespace pier::observability {
namespace {

std::string_view utcText(std::int64_t secs, const char* format, SecondText& cache) {
  if (secs != cache.secs) {
    auto t = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&t, &tm);
    cache.len = std::strftime(cache.text, sizeof cache.text, format, &tm);
    cache.secs = secs;
  }
  return {cache.text, cache.len};
}

// Whole seconds and nanoseconds since the epoch (floored, so the fraction is never negative).
std::pair<std::int64_t, std::int64_t> splitNs(std::chrono::system_clock::time_point t) {
  std::int64_t ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  std::int64_t secs = ns / 1000000000;
  std::int64_t frac = ns % 1000000000;
  if (frac < 0) {
    frac += 1000000000;
    --secs;
  }
  return {secs, frac};
}

}  // namespace

std::string_view clfTime(std::chrono::system_clock::time_point t, SecondText& cache) {
  return utcText(splitNs(t).first, "%d/%b/%Y:%H:%M:%S +0000", cache);
}

char* writeRfc3339Nano(char* out, std::chrono::system_clock::time_point t, SecondText& cache) {
  auto [secs, ns] = splitNs(t);
  std::string_view date = utcText(secs, "%Y-%m-%dT%H:%M:%S", cache);
  std::size_t n = date.copy(out, kRfc3339NanoMax - 11);
  if (ns != 0) {
    // Nine digits, two at a time (a line writes two of these timestamps).
    auto value = static_cast<std::uint32_t>(ns);
    char* digits = out + n + 1;
    out[n] = '.';
    digits[0] = static_cast<char>('0' + value / 100000000);
    value %= 100000000;
    for (int i = 3; i >= 0; --i) {
      std::uint32_t pair = value % 100;
      value /= 100;
      digits[1 + 2 * i] = kDigitPairs[2 * pair];
      digits[2 + 2 * i] = kDigitPairs[2 * pair + 1];
    }
    n += 10;
    while (out[n - 1] == '0') {
      --n;
    }
  }
  out[n++] = 'Z';
  return out + n;
}

std::string_view rfc3339Nano(char (&buf)[64], std::chrono::system_clock::time_point t,
                             SecondText& cache) {
  return {buf, static_cast<std::size_t>(writeRfc3339Nano(buf, t, cache) - buf)};
}

}  // namespace pier::observability
