// Durations in Traefik's syntax: a Go duration string ("300ms", "1m30s", "1.5h", "-2h45m") or a
// bare integer meaning seconds ("10" = 10 s). Pure functions; any thread.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "base/result.h"

namespace pier::base {

/// Parses `text` (surrounding blanks ignored). Units: ns, us, µs, μs, ms, s, m, h. A leading sign
/// is allowed; "0" needs no unit. Errors are Config errors whose message says what was expected.
Result<std::chrono::nanoseconds> parseDuration(std::string_view text);

/// Formats like Go's Duration.String(): "1m30s", "300ms", "0s". Used in messages and the API.
std::string formatDuration(std::chrono::nanoseconds d);

}  // namespace pier::base
