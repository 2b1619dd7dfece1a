// Shared helpers for the TLS unit tests: a process-wide test PKI, temp files, and pumping
// ciphertext between two in-memory sessions.
#pragma once

#include <doctest/doctest.h>

#include <unistd.h>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "../../support/certs/test_pki.h"
#include "tls/client_tls.h"
#include "tls/server_tls.h"
#include "tls/session.h"

namespace pier::tls::test {

inline const testing::TestPki& pki() {
  static const testing::TestPki p;
  return p;
}

// A fresh directory under /tmp, removed with its files at exit of the scope.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/pier-tls-test-XXXXXX";
    char* d = mkdtemp(tmpl);
    REQUIRE(d != nullptr);
    path_ = d;
  }
  ~TempDir() {
    for (const std::string& f : files_) {
      unlink(f.c_str());
    }
    rmdir(path_.c_str());
  }
  std::string write(const std::string& name, const std::string& text) {
    std::string p = path_ + "/" + name;
    std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
    files_.push_back(p);
    return p;
  }

 private:
  std::string path_;
  std::vector<std::string> files_;
};

struct Pair {
  std::unique_ptr<Session> client;
  std::unique_ptr<Session> server;
  Session::Status client_status = Session::Status::Ok;
  Session::Status server_status = Session::Status::Ok;
  std::string client_received;
  std::string server_received;

  // Moves ciphertext both ways until neither side has anything left to say.
  void pump() {
    for (int round = 0; round < 50; ++round) {
      bool moved = false;
      if (client->hasOutput()) {
        std::string out = client->takeOutput();
        if (server_status == Session::Status::Ok) {
          server_status = server->receive(out.data(), out.size(), server_received);
        }
        moved = true;
      }
      if (server->hasOutput()) {
        std::string out = server->takeOutput();
        if (client_status == Session::Status::Ok) {
          client_status = client->receive(out.data(), out.size(), client_received);
        }
        moved = true;
      }
      if (!moved) {
        return;
      }
    }
    FAIL("pump did not settle");
  }

  // Both sides' state, for failure messages.
  std::string describe() const {
    return "client " + std::to_string(static_cast<int>(client_status)) + " [" +
           client->errorText() + "] server " + std::to_string(static_cast<int>(server_status)) +
           " [" + server->errorText() + "]";
  }

  bool ok() const {
    INFO(describe());
    return client_status == Session::Status::Ok && server_status == Session::Status::Ok &&
           client->handshakeDone() && server->handshakeDone();
  }
};

inline Pair handshake(WOLFSSL_CTX* server_ctx, WOLFSSL_CTX* client_ctx, std::string_view sni,
                      std::string_view verify_name = "", const std::vector<std::string>& alpn = {},
                      const SavedSession& resume = nullptr) {
  Pair p;
  REQUIRE(server_ctx != nullptr);
  REQUIRE(client_ctx != nullptr);
  p.server = Session::accept(server_ctx);
  p.client = Session::connect(client_ctx, sni, verify_name, alpn, resume);
  REQUIRE(p.server);
  REQUIRE(p.client);
  p.pump();
  return p;
}

inline std::shared_ptr<const ClientContext> clientCtx(ClientTlsSettings s) {
  auto c = buildClientContext(s);
  REQUIRE_MESSAGE(c, (c ? std::string() : c.error().message));
  return *c;
}

// Trusts the test CA; optional version bounds and client certificate.
inline std::shared_ptr<const ClientContext> trustingClient(std::string max_version = "",
                                                           const PemPair* cert = nullptr) {
  ClientTlsSettings s;
  s.root_cas = {pki().ca.cert_pem};
  s.max_version = std::move(max_version);
  if (cert != nullptr) {
    s.certificates.push_back({cert->cert_pem, cert->key_pem});
  }
  return clientCtx(s);
}

inline config::TlsCertificate inlineCert(const PemPair& p) {
  config::TlsCertificate c;
  c.cert_file = p.cert_pem;
  c.key_file = p.key_pem;
  return c;
}

inline std::shared_ptr<const ServerTls> buildOk(const config::TlsConfig& cfg,
                                                const ServerTls* previous = nullptr) {
  auto r = ServerTls::build(cfg, previous);
  std::string errs;
  for (const std::string& e : r.errors) {
    errs += e + "\n";
  }
  CHECK_MESSAGE(r.errors.empty(), errs);
  REQUIRE(r.tls);
  return r.tls;
}

}  // namespace pier::tls::test
