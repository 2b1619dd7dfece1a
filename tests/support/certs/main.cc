// pier-test-certs: writes a small PKI for integration tests.
//   pier-test-certs OUTDIR [DNS-NAME...]
// Files: ca.pem ca-key.pem (test CA), server.pem server-key.pem (leaf for the DNS names, default
// "localhost"), client.pem client-key.pem (client certificate from the CA), other-ca.pem and
// other-client.pem other-client-key.pem (an unrelated CA and a client certificate it signed).
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "test_pki.h"

namespace {

bool write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s OUTDIR [DNS-NAME...]\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  std::vector<std::string> names(argv + 2, argv + argc);
  if (names.empty()) {
    names.push_back("localhost");
  }
  try {
    pier::testing::TestPki pki;
    pier::tls::PemPair server = pki.server(names, names.front());
    pier::tls::PemPair client = pki.client("pier-test-client");
    pier::tls::PemPair other = pki.client("pier-other-client", true);
    bool ok = write(dir + "/ca.pem", pki.ca.cert_pem) &&
              write(dir + "/ca-key.pem", pki.ca.key_pem) &&
              write(dir + "/server.pem", server.cert_pem) &&
              write(dir + "/server-key.pem", server.key_pem) &&
              write(dir + "/client.pem", client.cert_pem) &&
              write(dir + "/client-key.pem", client.key_pem) &&
              write(dir + "/other-ca.pem", pki.other_ca.cert_pem) &&
              write(dir + "/other-client.pem", other.cert_pem) &&
              write(dir + "/other-client-key.pem", other.key_pem);
    if (!ok) {
      std::fprintf(stderr, "cannot write into %s\n", dir.c_str());
      return 1;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
