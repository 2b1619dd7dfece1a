#include "middleware/htpasswd.h"

#include <crypt.h>
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/md5.h>
#include <wolfssl/wolfcrypt/sha.h>

#include <array>
#include <cstring>
#include <memory>

namespace pier::middleware {
namespace {

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kCrypt64[] = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

bool constantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

using Md5Digest = std::array<unsigned char, WC_MD5_DIGEST_SIZE>;

class Md5 {
 public:
  Md5() { wc_InitMd5(&ctx_); }
  ~Md5() { wc_Md5Free(&ctx_); }
  Md5(const Md5&) = delete;
  Md5& operator=(const Md5&) = delete;
  void update(std::string_view s) {
    wc_Md5Update(&ctx_, reinterpret_cast<const byte*>(s.data()), static_cast<word32>(s.size()));
  }
  void update(const Md5Digest& d, std::size_t n) {
    wc_Md5Update(&ctx_, d.data(), static_cast<word32>(n));
  }
  Md5Digest final() {
    Md5Digest d{};
    wc_Md5Final(&ctx_, d.data());
    return d;
  }

 private:
  wc_Md5 ctx_{};
};

void to64(std::string& out, unsigned v, int n) {
  while (n-- > 0) {
    out += kCrypt64[v & 0x3f];
    v >>= 6;
  }
}

}  // namespace

std::string md5Crypt(std::string_view password, std::string_view salt, std::string_view magic) {
  salt = salt.substr(0, std::min<std::size_t>(salt.size(), 8));
  Md5Digest alt;
  {
    Md5 m;
    m.update(password);
    m.update(salt);
    m.update(password);
    alt = m.final();
  }
  Md5 m;
  m.update(password);
  m.update(magic);
  m.update(salt);
  for (std::size_t left = password.size(); left > 0; left -= std::min<std::size_t>(left, 16)) {
    m.update(alt, std::min<std::size_t>(left, 16));
  }
  for (std::size_t i = password.size(); i != 0; i >>= 1) {
    if (i & 1) {
      m.update(std::string_view("\0", 1));
    } else {
      m.update(password.substr(0, 1));
    }
  }
  Md5Digest d = m.final();
  for (int i = 0; i < 1000; ++i) {
    Md5 r;
    if (i & 1) {
      r.update(password);
    } else {
      r.update(d, d.size());
    }
    if (i % 3) {
      r.update(salt);
    }
    if (i % 7) {
      r.update(password);
    }
    if (i & 1) {
      r.update(d, d.size());
    } else {
      r.update(password);
    }
    d = r.final();
  }
  std::string out(magic);
  out += salt;
  out += '$';
  to64(out, (unsigned(d[0]) << 16) | (unsigned(d[6]) << 8) | d[12], 4);
  to64(out, (unsigned(d[1]) << 16) | (unsigned(d[7]) << 8) | d[13], 4);
  to64(out, (unsigned(d[2]) << 16) | (unsigned(d[8]) << 8) | d[14], 4);
  to64(out, (unsigned(d[3]) << 16) | (unsigned(d[9]) << 8) | d[15], 4);
  to64(out, (unsigned(d[4]) << 16) | (unsigned(d[10]) << 8) | d[5], 4);
  to64(out, d[11], 2);
  return out;
}

std::string base64Encode(std::string_view in) {
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (unsigned(static_cast<unsigned char>(in[i])) << 16) |
                 (unsigned(static_cast<unsigned char>(in[i + 1])) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += kB64[v & 63];
  }
  if (i < in.size()) {
    unsigned v = unsigned(static_cast<unsigned char>(in[i])) << 16;
    if (i + 1 < in.size()) {
      v |= unsigned(static_cast<unsigned char>(in[i + 1])) << 8;
    }
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += i + 1 < in.size() ? kB64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

bool base64Decode(std::string_view in, std::string& out) {
  out.clear();
  if (in.size() % 4 != 0) {
    return false;
  }
  unsigned acc = 0;
  int bits = 0;
  std::size_t pad = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '=') {
      if (i + 2 < in.size()) {
        return false;
      }
      ++pad;
      continue;
    }
    if (pad != 0) {
      return false;
    }
    const char* at = std::strchr(kB64, c);
    if (at == nullptr || c == '\0') {
      return false;
    }
    acc = (acc << 6) | static_cast<unsigned>(at - kB64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return pad <= 2;
}

bool isSupportedHash(std::string_view hash) {
  return hash.starts_with("{SHA}") || hash.starts_with("$apr1$") || hash.starts_with("$1$") ||
         hash.starts_with("$2a$") || hash.starts_with("$2b$") || hash.starts_with("$2x$") ||
         hash.starts_with("$2y$");
}

bool checkPassword(std::string_view password, std::string_view hash) {
  if (hash.starts_with("{SHA}")) {
    std::array<byte, WC_SHA_DIGEST_SIZE> digest{};
    wc_ShaHash(reinterpret_cast<const byte*>(password.data()), static_cast<word32>(password.size()),
               digest.data());
    std::string b64 =
        base64Encode(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
    return constantTimeEquals(b64, hash.substr(5));
  }
  for (std::string_view magic : {std::string_view("$apr1$"), std::string_view("$1$")}) {
    if (hash.starts_with(magic)) {
      std::string_view rest = hash.substr(magic.size());
      std::string_view salt = rest.substr(0, rest.find('$'));
      return constantTimeEquals(md5Crypt(password, salt, magic), hash);
    }
  }
  if (hash.starts_with("$2")) {
    // crypt_data is large (~32 KiB): one per thread rather than on the stack or per call.
    thread_local std::unique_ptr<crypt_data> data = std::make_unique<crypt_data>();
    std::string pw(password);
    std::string setting(hash);
    std::memset(data.get(), 0, sizeof(crypt_data));
    const char* out = crypt_rn(pw.c_str(), setting.c_str(), data.get(), sizeof(crypt_data));
    return out != nullptr && out[0] != '*' && constantTimeEquals(out, hash);
  }
  return false;
}

}  // namespace pier::middleware
