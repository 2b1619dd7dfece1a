// Sticky-session cookies (spec D.2): the cookie name Traefik derives, the hashed value that
// names a server (or a weighted child) without revealing it, reading the cookie from a request
// and writing the Set-Cookie line. Pure functions: used by the snapshot builder (names and
// values are computed once per generation) and by the proxy (lookup and Set-Cookie).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/header_map.h"
#include "runtime/composite_service.h"

namespace pier::runtime {

// `configured` with every character outside the RFC 2616 token set replaced by '_'; when
// empty, "_" followed by the first 5 hex digits of SHA-1("_TRAEFIK_BACKEND_" + service name).
std::string stickyCookieName(std::string_view configured, std::string_view qualified_service);

// First 16 hex digits of SHA-256(id): the cookie value for the server URL (or child name) `id`.
std::string stickyCookieValue(std::string_view id);

// Formats older Traefik versions wrote, still accepted: the raw id, FNV-64 hex of it, and
// FNV-64 hex of that (cookies minted when the URL was hashed twice).
std::vector<std::string> legacyStickyValues(std::string_view id);

// FNV-1 64-bit (multiply, then xor) in lower-case hex without leading zeros.
std::string fnv64Hex(std::string_view data);

// The value of the first cookie called `name` in the request's Cookie headers (surrounding
// double quotes removed), or nothing.
std::optional<std::string_view> findCookie(const http::HeaderMap& headers, std::string_view name);

// The Set-Cookie value for `value`: name=value; Path; Domain; Max-Age; HttpOnly; Secure;
// SameSite, in that order (the order Go's net/http writes).
std::string renderSetCookie(const StickyCookieSpec& cookie, std::string_view value);

// "none"/"lax"/"strict" in any case -> "None"/"Lax"/"Strict"; anything else -> "" (omitted).
std::string canonicalSameSite(std::string_view configured);

// Which target a cookie value selects: the index into cookie.values, and whether it matched
// only a legacy format (the cookie should then be rewritten). Nothing when it names no target.
struct StickyMatch {
  std::size_t target = 0;
  bool legacy = false;
};
std::optional<StickyMatch> matchStickyValue(const StickyCookieSpec& cookie, std::string_view value);

}  // namespace pier::runtime
