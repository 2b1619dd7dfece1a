// digestAuth: RFC 2617 Digest (MD5, qop=auth) against `user:realm:md5(user:realm:password)`
// entries, as Traefik's authenticator does it: nonces are issued with each 401 and remembered
// (bounded, least recently seen dropped first); a nonce count that does not grow gets a
// `stale=true` challenge.
//
// The nonce table is the one piece of shared mutable state; it is behind one mutex because a
// check is rare next to the MD5 work and per-worker tables would refuse a nonce issued by another
// worker (clients reconnect to any).
#include "middleware/digest_auth.h"

#include <sys/random.h>
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hash.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "base/strings.h"
#include "middleware/htpasswd.h"

namespace pier::middleware {
namespace {

using Options = AuthUsersOptions;

constexpr std::size_t kNonceCache = 1000;
constexpr std::size_t kNonceTolerance = 100;

std::string randomKey() {
  std::array<unsigned char, 12> bytes{};
  std::size_t got = 0;
  while (got < bytes.size()) {
    ssize_t n = getrandom(bytes.data() + got, bytes.size() - got, 0);
    if (n > 0) {
      got += static_cast<std::size_t>(n);
    }
  }
  return base64Encode(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

// `Digest a="b", c=d` -> {a: b, c: d}; empty when not a Digest header.
std::map<std::string, std::string> digestParams(std::string_view header) {
  std::map<std::string, std::string> out;
  if (header.size() < 7 || !base::iequals(header.substr(0, 7), "Digest ")) {
    return out;
  }
  std::string_view rest = header.substr(7);
  while (!rest.empty()) {
    rest = base::trim(rest);
    std::size_t eq = rest.find('=');
    if (eq == std::string_view::npos) {
      break;
    }
    std::string key(base::trim(rest.substr(0, eq)));
    rest.remove_prefix(eq + 1);
    std::string value;
    if (!rest.empty() && rest.front() == '"') {
      std::size_t close = rest.find('"', 1);
      if (close == std::string_view::npos) {
        return {};
      }
      value = std::string(rest.substr(1, close - 1));
      rest.remove_prefix(close + 1);
    } else {
      std::size_t comma = rest.find(',');
      value = std::string(base::trim(rest.substr(0, comma)));
      rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma);
    }
    out[key] = value;
    rest = base::trim(rest);
    if (!rest.empty() && rest.front() == ',') {
      rest.remove_prefix(1);
    }
  }
  return out;
}

bool sameBytes(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

class DigestAuth final : public Middleware {
 public:
  DigestAuth(std::string name, std::map<std::string, std::string> users, const Options& o)
      : Middleware(std::move(name)),
        users_(std::move(users)),
        realm_(o.realm.empty() ? std::string("traefik") : o.realm),
        opaque_(randomKey()),
        remove_header_(o.remove_header),
        header_field_(o.header_field) {}
  std::string_view kind() const override { return "digestAuth"; }

  Verdict onRequest(RequestContext& ctx) const override {
    bool stale = false;
    std::string user = check(ctx, stale);
    if (user.empty()) {
      return challenge(ctx, stale);
    }
    if (!header_field_.empty()) {
      ctx.head.headers.set(header_field_, user);
    }
    if (remove_header_) {
      ctx.head.headers.remove("Authorization");
    }
    return Verdict::Continue;
  }

 private:
  using Clock = std::chrono::steady_clock;
  struct Client {
    std::uint64_t nc = 0;
    Clock::time_point last_seen;
  };

  std::string check(RequestContext& ctx, bool& stale) const {
    const std::string* header = ctx.head.headers.get("Authorization");
    if (header == nullptr) {
      return {};
    }
    auto p = digestParams(*header);
    if (p.empty()) {
      return {};
    }
    std::string algorithm = p["algorithm"].empty() ? "MD5" : p["algorithm"];
    if (p["opaque"] != opaque_ || algorithm != "MD5" || p["qop"] != "auth") {
      return {};
    }
    const std::string& uri = p["uri"];
    if (uri != ctx.head.target) {
      std::string_view path = std::string_view(uri).substr(0, uri.find_first_of("?#"));
      if (path != ctx.path()) {
        return {};
      }
    }
    auto secret = users_.find(p["username"] + ":" + realm_);
    std::string ha1 = secret == users_.end() ? std::string() : secret->second;
    std::string ha2 = md5Hex(ctx.head.method + ":" + uri);
    std::string expected = md5Hex(ha1 + ":" + p["nonce"] + ":" + p["nc"] + ":" + p["cnonce"] + ":" +
                                  p["qop"] + ":" + ha2);
    if (secret == users_.end() || !sameBytes(expected, p["response"])) {
      return {};
    }
    std::uint64_t nc = 0;
    const std::string& nc_text = p["nc"];
    auto parsed = std::from_chars(nc_text.data(), nc_text.data() + nc_text.size(), nc, 16);
    if (nc_text.empty() || parsed.ec != std::errc() ||
        parsed.ptr != nc_text.data() + nc_text.size()) {
      return {};
    }
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = clients_.find(p["nonce"]);
    if (it == clients_.end()) {
      return {};
    }
    if (it->second.nc != 0 && it->second.nc >= nc) {
      stale = true;
      return {};
    }
    it->second.nc = nc;
    it->second.last_seen = Clock::now();
    return p["username"];
  }

  Verdict challenge(RequestContext& ctx, bool stale) const {
    std::string nonce = randomKey();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (clients_.size() > kNonceCache + kNonceTolerance) {
        purge(kNonceTolerance * 2);
      }
      clients_[nonce] = Client{0, Clock::now()};
    }
    std::string value = "Digest realm=\"" + realm_ + "\", nonce=\"" + nonce + "\", opaque=\"" +
                        opaque_ + "\", algorithm=\"MD5\", qop=\"auth\"";
    if (stale) {
      value += ", stale=true";
    }
    ctx.answer.status = 401;
    ctx.answer.headers.clear();
    ctx.answer.headers.set("Content-Type", "text/plain");
    ctx.answer.headers.set("Www-Authenticate", value);
    ctx.answer.body = "401 Unauthorized\n";
    return Verdict::Answer;
  }

  // Drops the `count` least recently seen nonces (mutex held).
  void purge(std::size_t count) const {
    std::vector<std::pair<Clock::time_point, std::string>> order;
    order.reserve(clients_.size());
    for (const auto& [nonce, c] : clients_) {
      order.emplace_back(c.last_seen, nonce);
    }
    std::sort(order.begin(), order.end());
    for (std::size_t i = 0; i < count && i < order.size(); ++i) {
      clients_.erase(order[i].second);
    }
  }

  std::map<std::string, std::string> users_;  // "user:realm" -> HA1
  std::string realm_;
  std::string opaque_;
  bool remove_header_;
  std::string header_field_;
  mutable std::mutex mutex_;
  mutable std::unordered_map<std::string, Client> clients_;
};

}  // namespace

std::string md5Hex(std::string_view s) {
  std::array<byte, WC_MD5_DIGEST_SIZE> d{};
  wc_Md5Hash(reinterpret_cast<const byte*>(s.data()), static_cast<word32>(s.size()), d.data());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (byte b : d) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

Result<MiddlewarePtr> makeDigestAuth(const BuildContext& b) {
  auto o = decodeOptions<Options>(b);
  if (!o) {
    return fail(o.error());
  }
  std::vector<std::pair<std::string, std::string>> entries;
  if (!o->users_file.empty()) {
    std::ifstream in(o->users_file);
    if (!in) {
      return fail(optionError(b, "usersFile", "cannot read \"" + o->users_file + "\""));
    }
    std::string line;
    while (std::getline(in, line)) {
      std::string_view t = base::trim(line);
      if (!t.empty() && !t.starts_with('#')) {
        entries.emplace_back("usersFile", std::string(t));
      }
    }
  }
  for (std::size_t i = 0; i < o->users.size(); ++i) {
    entries.emplace_back("users[" + std::to_string(i) + "]", o->users[i]);
  }
  std::map<std::string, std::string> users;
  for (const auto& [option, entry] : entries) {
    auto parts = base::splitTrim(entry, ':');
    if (parts.size() != 3 || std::count(entry.begin(), entry.end(), ':') != 2) {
      return fail(optionError(b, option, "\"" + entry + "\" is not user:realm:md5-hash"));
    }
    users[parts[0] + ":" + parts[1]] = parts[2];
  }
  if (users.empty()) {
    return fail(optionError(b, "users", "expected at least one user:realm:hash entry"));
  }
  return std::make_shared<DigestAuth>(b.name, std::move(users), *o);
}

}  // namespace pier::middleware
