#include "runtime/sticky_cookie.h"

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/sha.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include <array>

#include "base/strings.h"

namespace pier::runtime {
namespace {

constexpr char kHex[] = "0123456789abcdef";

template <std::size_t N>
std::string hexOf(const std::array<byte, N>& digest) {
  std::string out;
  out.reserve(N * 2);
  for (byte b : digest) {
    out += kHex[b >> 4];
    out += kHex[b & 0xf];
  }
  return out;
}

bool isTokenChar(char c) {
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }
}

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

std::string stickyCookieName(std::string_view configured, std::string_view qualified_service) {
  if (!configured.empty()) {
    std::string out(configured);
    for (char& c : out) {
      if (!isTokenChar(c)) {
        c = '_';
      }
    }
    return out;
  }
  std::string data = "_TRAEFIK_BACKEND_";
  data += qualified_service;
  std::array<byte, WC_SHA_DIGEST_SIZE> digest{};
  wc_ShaHash(reinterpret_cast<const byte*>(data.data()), static_cast<word32>(data.size()),
             digest.data());
  return "_" + hexOf(digest).substr(0, 5);
}

std::string stickyCookieValue(std::string_view id) {
  std::array<byte, WC_SHA256_DIGEST_SIZE> digest{};
  wc_Sha256Hash(reinterpret_cast<const byte*>(id.data()), static_cast<word32>(id.size()),
                digest.data());
  return hexOf(digest).substr(0, 16);
}

std::string fnv64Hex(std::string_view data) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (unsigned char c : data) {
    hash *= 1099511628211ULL;
    hash ^= c;
  }
  std::string out;
  do {
    out.insert(out.begin(), kHex[hash & 0xf]);
    hash >>= 4;
  } while (hash != 0);
  return out;
}

std::vector<std::string> legacyStickyValues(std::string_view id) {
  std::string once = fnv64Hex(id);
  std::string twice = fnv64Hex(once);
  return {std::string(id), std::move(once), std::move(twice)};
}

std::optional<std::string_view> findCookie(const http::HeaderMap& headers, std::string_view name) {
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

std::string renderSetCookie(const StickyCookieSpec& cookie, std::string_view value) {
  std::string out = cookie.name;
  out += '=';
  out += value;
  if (std::string path = attributeValue(cookie.path); !path.empty()) {
    out += "; Path=" + path;
  }
  if (!cookie.domain.empty()) {
    std::string_view domain = cookie.domain;
    if (domain.front() == '.') {
      domain.remove_prefix(1);  // a leading dot is ignored by browsers; Go drops it too
    }
    out += "; Domain=" + attributeValue(domain);
  }
  if (cookie.max_age > 0) {
    out += "; Max-Age=" + std::to_string(cookie.max_age);
  } else if (cookie.max_age < 0) {
    out += "; Max-Age=0";
  }
  if (cookie.http_only) {
    out += "; HttpOnly";
  }
  if (cookie.secure) {
    out += "; Secure";
  }
  if (!cookie.same_site.empty()) {
    out += "; SameSite=" + cookie.same_site;
  }
  return out;
}

std::optional<StickyMatch> matchStickyValue(const StickyCookieSpec& cookie,
                                            std::string_view value) {
  for (std::size_t i = 0; i < cookie.values.size(); ++i) {
    if (cookie.values[i] == value) {
      return StickyMatch{i, false};
    }
  }
  for (std::size_t i = 0; i < cookie.legacy_values.size(); ++i) {
    for (const std::string& old : cookie.legacy_values[i]) {
      if (old == value) {
        return StickyMatch{i, true};
      }
    }
  }
  return std::nullopt;
}

}  // namespace pier::runtime
