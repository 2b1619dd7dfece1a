// passTLSClientCert: the info header for every field, in Traefik's order and escaping.
#include "../tls/sample_cert.h"
#include "harness.h"

using namespace pier;
using namespace pier::test;

namespace {

std::string queryUnescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string infoHeader(const std::string& options) {
  auto chain = mustBuild("    m: {passTLSClientCert: " + options + "}\n", {"m@file"});
  http::RequestHead head;
  head.method = "GET";
  head.target = "/";
  middleware::RequestContext ctx{
      head, *base::IpAddress::parse("127.0.0.1"), true, {}, false, {}, {}, {}};
  ctx.peer_certificates_pem = [] { return std::vector<std::string>{kSampleCertPem}; };
  middleware::ChainRun run;
  REQUIRE(run.runRequest(*chain, ctx) == middleware::Verdict::Continue);
  const std::string* v = head.headers.get("X-Forwarded-Tls-Client-Cert-Info");
  REQUIRE(v != nullptr);
  CHECK(v->find(' ') == std::string::npos);  // escaped as a query value
  return queryUnescape(*v);
}

}  // namespace

TEST_CASE("passTLSClientCert info: every subject and issuer part, then the certificate fields") {
  std::string all_name =
      "{country: true, province: true, locality: true, organization: true, "
      "organizationalUnit: true, commonName: true, serialNumber: true, domainComponent: true}";
  std::string info = infoHeader(
      "{info: {notAfter: true, notBefore: true, sans: true, "
      "serialNumber: true, subject: " +
      all_name + ", issuer: " + all_name + "}}");
  std::string name_parts =
      "DC=org,DC=cheese,C=FR,C=US,ST=Cheese org state,L=TOULOUSE,O=Cheese,O=Cheese 2";
  CHECK(info == "Subject=\"" + name_parts + ",OU=Simple Certificate,SN=SN-42,CN=*.example.com\";" +
                    "Issuer=\"" + name_parts + ",SN=SN-42,CN=*.example.com\";" +
                    "SerialNumber=\"123456789012345678901234567890\";" +
                    "NB=\"1795877780\";NA=\"4949477780\";" +
                    "SAN=\"*.example.org,*.example.net,test@example.org,10.0.1.0,::1," +
                    "spiffe://example.org/x\"");
}

TEST_CASE("passTLSClientCert info: only the selected parts, each on its own") {
  CHECK(infoHeader("{info: {subject: {country: true}}}") == "Subject=\"C=FR,C=US\"");
  CHECK(infoHeader("{info: {subject: {organizationalUnit: true}}}") ==
        "Subject=\"OU=Simple Certificate\"");
  CHECK(infoHeader("{info: {issuer: {domainComponent: true, commonName: true}}}") ==
        "Issuer=\"DC=org,DC=cheese,CN=*.example.com\"");
  CHECK(infoHeader("{info: {serialNumber: true}}") ==
        "SerialNumber=\"123456789012345678901234567890\"");
  CHECK(infoHeader("{info: {sans: true}}") ==
        "SAN=\"*.example.org,*.example.net,test@example.org,10.0.1.0,::1,spiffe://example.org/x\"");
  CHECK(infoHeader("{info: {notAfter: true}}") == "NA=\"4949477780\"");
}
