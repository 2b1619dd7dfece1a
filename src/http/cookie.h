// Cookies on the wire: reading one from a request's Cookie headers and writing a Set-Cookie
// value with the attributes in the order Go's net/http writes them. Pure functions, no state;
// used for sticky sessions (runtime/sticky_cookie.h), which add the naming and hashing.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http/header_map.h"

namespace pier::http {

// The attributes of a Set-Cookie line other than the name and value.
struct CookieAttributes {
  std::string path = "/";
  std::string domain;
  std::string same_site;  // "" (unset), "None", "Lax" or "Strict"
  int max_age = 0;        // 0 = session cookie, < 0 = delete
  bool secure = false;
  bool http_only = false;
};

// `name` with every character outside the RFC 2616 token set replaced by '_'.
std::string sanitizeCookieName(std::string_view name);

// The value of the first cookie called `name` in the request's Cookie headers (surrounding
// double quotes removed), or nothing.
std::optional<std::string_view> findCookie(const HeaderMap& headers, std::string_view name);

// The Set-Cookie value: name=value; Path; Domain; Max-Age; HttpOnly; Secure; SameSite, in that
// order. Path and Domain lose the bytes that would end or corrupt the attribute.
std::string renderSetCookie(std::string_view name, std::string_view value,
                            const CookieAttributes& attributes);

// "none"/"lax"/"strict" in any case -> "None"/"Lax"/"Strict"; anything else -> "" (omitted).
std::string canonicalSameSite(std::string_view configured);

}  // namespace pier::http
