// Sticky-session cookies (spec D.2): the cookie name Traefik derives, the hashed value that
// names a server (or a weighted child) without revealing it, and which target a request's
// cookie value selects. Pure functions: used by the snapshot builder (names and values are
// computed once per generation) and by the proxy (lookup). Reading the Cookie header and
// writing Set-Cookie are plain HTTP (http/cookie.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/composite_service.h"

namespace pier::runtime {

// `configured` with every character outside the RFC 2616 token set replaced by '_'
// (http::sanitizeCookieName); when empty, "_" followed by the first 5 hex digits of
// SHA-1("_TRAEFIK_BACKEND_" + service name).
std::string stickyCookieName(std::string_view configured, std::string_view qualified_service);

// First 16 hex digits of SHA-256(id): the cookie value for the server URL (or child name) `id`.
std::string stickyCookieValue(std::string_view id);

// Formats older Traefik versions wrote, still accepted: the raw id, FNV-64 hex of it, and
// FNV-64 hex of that (cookies minted when the URL was hashed twice).
std::vector<std::string> legacyStickyValues(std::string_view id);

// FNV-1 64-bit (multiply, then xor) in lower-case hex without leading zeros.
std::string fnv64Hex(std::string_view data);

// Which target a cookie value selects: the index into cookie.values, and whether it matched
// only a legacy format (the cookie should then be rewritten). Nothing when it names no target.
struct StickyMatch {
  std::size_t target = 0;
  bool legacy = false;
};
std::optional<StickyMatch> matchStickyValue(const StickyCookieSpec& cookie, std::string_view value);

}  // namespace pier::runtime
