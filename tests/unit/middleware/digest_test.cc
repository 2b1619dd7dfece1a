#include <map>

#include "harness.h"
#include "middleware/digest_auth.h"

using namespace pier;
using namespace pier::test;
using middleware::md5Hex;
using middleware::Verdict;

namespace {

std::string param(const std::string& header, const std::string& key) {
  std::size_t at = header.find(key + "=\"");
  REQUIRE(at != std::string::npos);
  at += key.size() + 2;
  return header.substr(at, header.find('"', at) - at);
}

std::string authorization(const std::string& challenge, const std::string& user,
                          const std::string& password, const std::string& uri,
                          const std::string& nc) {
  std::string nonce = param(challenge, "nonce");
  std::string opaque = param(challenge, "opaque");
  std::string ha1 = md5Hex(user + ":traefik:" + password);
  std::string ha2 = md5Hex("GET:" + uri);
  std::string response = md5Hex(ha1 + ":" + nonce + ":" + nc + ":c0ffee:auth:" + ha2);
  return "Digest username=\"" + user + "\", realm=\"traefik\", nonce=\"" + nonce + "\", uri=\"" +
         uri + "\", qop=auth, nc=" + nc + ", cnonce=\"c0ffee\", response=\"" + response +
         "\", opaque=\"" + opaque + "\", algorithm=MD5";
}

}  // namespace

TEST_CASE("digestAuth: challenge, success, nonce-count replay is stale") {
  std::string ha1 = md5Hex("test:traefik:test");
  auto chain = mustBuild("    m: {digestAuth: {users: [\"test:traefik:" + ha1 +
                             "\"], headerField: X-User, removeHeader: true}}\n",
                         {"m@file"});
  Exchange first("/p?x=1");
  CHECK(first.go(chain) == Verdict::Answer);
  CHECK(first.answer.status == 401);
  std::string challenge = first.ah("WWW-Authenticate");
  CHECK(challenge.starts_with("Digest realm=\"traefik\", nonce=\""));
  CHECK(challenge.find("algorithm=\"MD5\", qop=\"auth\"") != std::string::npos);

  Exchange ok("/p?x=1");
  ok.header("Authorization", authorization(challenge, "test", "test", "/p?x=1", "00000001"));
  CHECK(ok.go(chain) == Verdict::Continue);
  CHECK(ok.h("X-User") == "test");
  CHECK(ok.h("Authorization") == "<none>");

  Exchange replay("/p?x=1");
  replay.header("Authorization", authorization(challenge, "test", "test", "/p?x=1", "00000001"));
  CHECK(replay.go(chain) == Verdict::Answer);
  CHECK(replay.ah("WWW-Authenticate").ends_with("stale=true"));

  Exchange next("/p?x=1");
  next.header("Authorization", authorization(challenge, "test", "test", "/p?x=1", "00000002"));
  CHECK(next.go(chain) == Verdict::Continue);

  Exchange wrong("/p?x=1");
  wrong.header("Authorization", authorization(challenge, "test", "nope", "/p?x=1", "00000003"));
  CHECK(wrong.go(chain) == Verdict::Answer);
}

TEST_CASE("digestAuth: entries are user:realm:hash") {
  CHECK(buildError("    m: {digestAuth: {users: [\"test:abc\"]}}\n", {"m@file"}) ==
        "middleware \"m@file\": digestAuth.users[0]: \"test:abc\" is not user:realm:md5-hash");
}
