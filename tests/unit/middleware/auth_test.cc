#include "harness.h"
#include "middleware/htpasswd.h"

using namespace pier;
using namespace pier::test;
using middleware::Verdict;

namespace {

std::string basic(std::string_view user_pass) {
  return "Basic " + middleware::base64Encode(user_pass);
}

}  // namespace

TEST_CASE("htpasswd: every supported format verifies (vectors from openssl/libxcrypt)") {
  using middleware::checkPassword;
  CHECK(checkPassword("secret", "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ="));
  CHECK(checkPassword("secret", "$apr1$abcdefgh$h9FWgUz3n9YxylKLlR5SQ/"));
  CHECK(checkPassword("secret", "$1$abcdefgh$cHJi5PXp/ki/ktXzqlk6I1"));
  CHECK(checkPassword("secret", "$2b$04$2RimMqYr40hDqbizRD4c1OG6epf2gSApwaDNRJHFAMKJPYysawEky"));
  CHECK(checkPassword("secret", "$2y$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW"));
  CHECK_FALSE(checkPassword("Secret", "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ="));
  CHECK_FALSE(checkPassword("secreT", "$apr1$abcdefgh$h9FWgUz3n9YxylKLlR5SQ/"));
  CHECK_FALSE(checkPassword("x", "$2b$04$2RimMqYr40hDqbizRD4c1OG6epf2gSApwaDNRJHFAMKJPYysawEky"));
  CHECK_FALSE(checkPassword("secret", "secret"));  // plain text is refused
  CHECK(middleware::md5Crypt("secret", "abcdefgh", "$apr1$") ==
        "$apr1$abcdefgh$h9FWgUz3n9YxylKLlR5SQ/");
}

TEST_CASE("base64 round trip and rejects") {
  std::string out;
  CHECK(middleware::base64Decode(middleware::base64Encode("u:p\xff"), out));
  CHECK(out == "u:p\xff");
  CHECK_FALSE(middleware::base64Decode("abc", out));
  CHECK_FALSE(middleware::base64Decode("ab=c", out));
}

TEST_CASE("basicAuth: 401 challenge, success with headerField and removeHeader") {
  auto chain = mustBuild(R"(
    m:
      basicAuth:
        users: ["alice:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ="]
        realm: admin
        headerField: X-User
        removeHeader: true
)",
                         {"m@file"});
  Exchange no("/");
  CHECK(no.go(chain) == Verdict::Answer);
  CHECK(no.answer.status == 401);
  CHECK(no.ah("WWW-Authenticate") == "Basic realm=\"admin\"");
  CHECK(no.answer.body == "401 Unauthorized\n");
  Exchange bad("/");
  bad.header("Authorization", basic("alice:nope"));
  CHECK(bad.go(chain) == Verdict::Answer);
  Exchange ok("/");
  ok.header("Authorization", basic("alice:secret"));
  CHECK(ok.go(chain) == Verdict::Continue);
  CHECK(ok.h("X-User") == "alice");
  CHECK(ok.h("Authorization") == "<none>");
}

TEST_CASE("basicAuth: configuration errors") {
  CHECK(buildError("    m: {basicAuth: {users: [\"bob\"]}}\n", {"m@file"}) ==
        "middleware \"m@file\": basicAuth.users[0]: \"bob\" is not user:hash");
  CHECK(buildError("    m: {basicAuth: {users: [\"bob:plain\"]}}\n", {"m@file"})
            .find("plain text is not accepted") != std::string::npos);
  CHECK(buildError("    m: {basicAuth: {}}\n", {"m@file"}).find("at least one user") !=
        std::string::npos);
  CHECK(buildError("    m: {basicAuth: {usersFile: /nonexistent/users}}\n", {"m@file"})
            .find("basicAuth.usersFile: cannot read") != std::string::npos);
}
