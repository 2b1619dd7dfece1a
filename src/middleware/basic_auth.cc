// basicAuth: HTTP Basic credentials checked against htpasswd entries (users and usersFile);
// failure is a 401 with a Basic challenge.
//
// Note: hashes are verified on the worker thread; bcrypt at its usual cost blocks that worker for
// tens of milliseconds per check (Traefik spends the same CPU on a goroutine). Offloading it is
// what Verdict::Suspend is for.
#include "middleware/basic_auth.h"

#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include "base/strings.h"
#include "middleware/htpasswd.h"

namespace pier::middleware {
namespace {

using Options = AuthUsersOptions;

class BasicAuth final : public Middleware {
 public:
  BasicAuth(std::string name, std::map<std::string, std::string> users, const Options& o)
      : Middleware(std::move(name)),
        users_(std::move(users)),
        challenge_("Basic realm=\"" + (o.realm.empty() ? std::string("traefik") : o.realm) + "\""),
        remove_header_(o.remove_header),
        header_field_(o.header_field) {
    not_found_hash_ = users_.begin()->second;
  }
  std::string_view kind() const override { return "basicAuth"; }

  Verdict onRequest(RequestContext& ctx) const override {
    std::string user;
    if (authenticate(ctx.head.headers, user)) {
      if (!header_field_.empty()) {
        ctx.head.headers.set(header_field_, user);
      }
      if (remove_header_) {
        ctx.head.headers.remove("Authorization");
      }
      return Verdict::Continue;
    }
    ctx.answer.status = 401;
    ctx.answer.headers.clear();
    ctx.answer.headers.set("Www-Authenticate", challenge_);
    ctx.answer.headers.set("Content-Type", "text/plain");  // go-http-auth's, as in Traefik
    ctx.answer.body = "401 Unauthorized\n";
    return Verdict::Answer;
  }

 private:
  bool authenticate(const http::HeaderMap& headers, std::string& user) const {
    const std::string* auth = headers.get("Authorization");
    if (auth == nullptr || auth->size() < 6 || !base::iequals(auth->substr(0, 6), "Basic ")) {
      return false;
    }
    std::string decoded;
    if (!base64Decode(auth->substr(6), decoded)) {
      return false;
    }
    std::size_t colon = decoded.find(':');
    if (colon == std::string::npos) {
      return false;
    }
    user = decoded.substr(0, colon);
    std::string_view password = std::string_view(decoded).substr(colon + 1);
    auto it = users_.find(user);
    if (it == users_.end()) {
      (void)checkPassword(password, not_found_hash_);  // same cost: no user enumeration by timing
      return false;
    }
    return checkPassword(password, it->second);
  }

  std::map<std::string, std::string> users_;
  std::string not_found_hash_;
  std::string challenge_;
  bool remove_header_;
  std::string header_field_;
};

}  // namespace

Result<MiddlewarePtr> makeBasicAuth(const BuildContext& b) {
  auto o = decodeOptions<Options>(b);
  if (!o) {
    return fail(o.error());
  }
  // File entries first, then `users`: on a duplicate name the configuration wins (Traefik).
  std::vector<std::pair<std::string, std::string>> entries;  // (option, line)
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
    std::size_t colon = entry.find(':');
    if (colon == std::string::npos || entry.find(':', colon + 1) != std::string::npos) {
      return fail(optionError(b, option, "\"" + entry + "\" is not user:hash"));
    }
    std::string user = entry.substr(0, colon);
    std::string hash = entry.substr(colon + 1);
    if (!isSupportedHash(hash)) {
      return fail(optionError(b, option,
                              "the hash for \"" + user +
                                  "\" is not bcrypt, $apr1$, $1$ or {SHA} (plain text is not "
                                  "accepted; use htpasswd -nbB)"));
    }
    users[user] = hash;
  }
  if (users.empty()) {
    return fail(optionError(b, "users", "expected at least one user:hash entry"));
  }
  return std::make_shared<BasicAuth>(b.name, std::move(users), *o);
}

}  // namespace pier::middleware
