// Checks a password against an htpasswd hash, the formats Traefik's basicAuth accepts:
// bcrypt ($2a$ $2b$ $2x$ $2y$), Apache MD5 ($apr1$), MD5-crypt ($1$) and {SHA} (base64 SHA-1).
// Plain-text entries are refused, as in Traefik.
//
// Libraries: bcrypt and $1$ go to libxcrypt's crypt_rn() (Debian libcrypt-dev, already on every
// system, maintained with glibc); $apr1$ (which libxcrypt lacks: it is MD5-crypt with another
// magic) and {SHA} are computed here over wolfCrypt's MD5/SHA-1, the crypto library Pier already
// links for TLS. APR was not taken: a second crypto stack for one function.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pier::middleware {

bool isSupportedHash(std::string_view hash);
// Constant-time in the compared bytes; bcrypt costs what its cost factor says (tens of ms).
bool checkPassword(std::string_view password, std::string_view hash);
// For tests and tools: the MD5-crypt string for `magic` ("$1$" or "$apr1$") and `salt`.
std::string md5Crypt(std::string_view password, std::string_view salt, std::string_view magic);
bool base64Decode(std::string_view in, std::string& out);
std::string base64Encode(std::string_view in);

// The options basicAuth and digestAuth share (spec E.3).
struct AuthUsersOptions {
  std::vector<std::string> users;
  std::string users_file;
  std::string realm;
  bool remove_header = false;
  std::string header_field;
};

template <class V>
void describe(V& v, AuthUsersOptions& o) {
  v("users", o.users);
  v("usersFile", o.users_file);
  v("realm", o.realm);
  v("removeHeader", o.remove_header);
  v("headerField", o.header_field);
}

}  // namespace pier::middleware
