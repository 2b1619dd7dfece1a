#include "runtime/sticky_cookie.h"

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/sha.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include <array>

#include "http/cookie.h"

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

}  // namespace

std::string stickyCookieName(std::string_view configured, std::string_view qualified_service) {
  if (!configured.empty()) {
    return http::sanitizeCookieName(configured);
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
