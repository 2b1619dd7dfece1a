#include "http/cookie.h"

#include "base/strings.h"

namespace pier::http {
namespace {

// Path and Domain lose the bytes that would end or corrupt the attribute (as Go's net/http).
std::string attributeValue(std::string_view v) {
  std::string out;
  for (char c : v) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u != 0x7f && c != ';') {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string sanitizeCookieName(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (!isHttpToken(std::string_view(&c, 1))) {
      c = '_';
    }
  }
  return out;
}

std::optional<std::string_view> findCookie(const HeaderMap& headers, std::string_view name) {
  std::optional<std::string_view> found;
  headers.forEach("Cookie", [&](std::string_view line) {
    while (!found && !line.empty()) {
      std::size_t semi = line.find(';');
      std::string_view part = base::trim(line.substr(0, semi));
      line = semi == std::string_view::npos ? std::string_view() : line.substr(semi + 1);
      std::size_t eq = part.find('=');
      if (eq == std::string_view::npos || base::trim(part.substr(0, eq)) != name) {
        continue;
      }
      std::string_view value = base::trim(part.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      found = value;
    }
  });
  return found;
}

std::string canonicalSameSite(std::string_view configured) {
  std::string lower = base::toLower(configured);
  if (lower == "none") {
    return "None";
  }
  if (lower == "lax") {
    return "Lax";
  }
  if (lower == "strict") {
    return "Strict";
  }
  return {};
}

std::string renderSetCookie(std::string_view name, std::string_view value,
                            const CookieAttributes& attributes) {
  std::string out(name);
  out += '=';
  out += value;
  if (std::string path = attributeValue(attributes.path); !path.empty()) {
    out += "; Path=" + path;
  }
  if (!attributes.domain.empty()) {
    std::string_view domain = attributes.domain;
    if (domain.front() == '.') {
      domain.remove_prefix(1);  // a leading dot is ignored by browsers; Go drops it too
    }
    out += "; Domain=" + attributeValue(domain);
  }
  if (attributes.max_age > 0) {
    out += "; Max-Age=" + std::to_string(attributes.max_age);
  } else if (attributes.max_age < 0) {
    out += "; Max-Age=0";
  }
  if (attributes.http_only) {
    out += "; HttpOnly";
  }
  if (attributes.secure) {
    out += "; Secure";
  }
  if (!attributes.same_site.empty()) {
    out += "; SameSite=" + attributes.same_site;
  }
  return out;
}

}  // namespace pier::http
