#include "tls/server_tls.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>

#include "tls/cert_fields.h"
#include "tls/cert_gen.h"
#include "tls/context_anchor.h"
#include "tls/pem.h"
#include "tls/ticket_keys.h"
#include "tls/tls_options.h"

// clang-format off
#include <wolfssl/wolfcrypt/sha256.h>
// clang-format on

namespace pier::tls {
namespace {

constexpr const char* kDefaultName = "default";

std::array<unsigned char, 32> sha256(std::string_view data) {
  std::array<unsigned char, 32> out{};
  wc_Sha256Hash(reinterpret_cast<const byte*>(data.data()), static_cast<word32>(data.size()),
                out.data());
  return out;
}

std::string hex(const std::array<unsigned char, 32>& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (unsigned char b : bytes) {
    s += kHex[b >> 4];
    s += kHex[b & 15];
  }
  return s;
}

std::string normalizeName(std::string_view sni) {
  std::string s(sni);
  while (!s.empty() && (s.back() == '.' || s.back() == ' ')) {
    s.pop_back();
  }
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

struct CertEntry {
  std::string cert_pem;
  std::string key_pem;
  CertInfo info;
  std::string content_hash;  // of cert and key PEM
};

struct ContextEntry : ContextAnchor {
  CtxPtr ctx;
  TicketScope scope;
  std::vector<std::string> alpn;
};

struct OptionsEntry {
  ServerOptions opts;
  std::vector<std::shared_ptr<ContextEntry>> per_cert;  // parallel to Impl::certs
  std::shared_ptr<ContextEntry> fallback;               // the default certificate
};

int acceptAnyCertificate(int /*preverify*/, WOLFSSL_X509_STORE_CTX* /*store*/) {
  return 1;
}

// Server preference order (as Go): the first of our protocols the client offered.
int selectAlpn(WOLFSSL* /*ssl*/, const unsigned char** out, unsigned char* out_len,
               const unsigned char* in, unsigned int in_len, void* arg) {
  const auto* ours = static_cast<const std::vector<std::string>*>(arg);
  for (const std::string& p : *ours) {
    unsigned int pos = 0;
    while (pos < in_len) {
      unsigned int len = in[pos];
      if (pos + 1 + len > in_len) {
        break;
      }
      if (len == p.size() && std::equal(p.begin(), p.end(), in + pos + 1)) {
        *out = reinterpret_cast<const unsigned char*>(p.data());
        *out_len = static_cast<unsigned char>(p.size());
        return SSL_TLSEXT_ERR_OK;
      }
      pos += 1 + len;
    }
  }
  return SSL_TLSEXT_ERR_NOACK;
}

Result<std::shared_ptr<ContextEntry>> makeContext(const CertEntry& cert, const ServerOptions& o) {
  auto entry = std::make_shared<ContextEntry>();
  entry->ctx.reset(wolfSSL_CTX_new(wolfSSLv23_server_method()));
  WOLFSSL_CTX* ctx = entry->ctx.get();
  if (ctx == nullptr) {
    return fail(Error::internal("wolfSSL_CTX_new failed"));
  }
  if (o.min_version && wolfSSL_CTX_set_min_proto_version(ctx, *o.min_version) != WOLFSSL_SUCCESS) {
    // TLS 1.0 is compiled out of this wolfSSL: the lowest supported version applies.
    wolfSSL_CTX_set_min_proto_version(ctx, TLS1_1_VERSION);
  }
  if (o.max_version) {
    wolfSSL_CTX_set_max_proto_version(ctx, *o.max_version);
  }
  if (wolfSSL_CTX_set_cipher_list(ctx, o.cipher_list.c_str()) != WOLFSSL_SUCCESS) {
    return fail(Error::config("cipherSuites: none of the suites is available"));
  }
  if (!o.groups.empty()) {
    std::vector<int> groups = o.groups;
    if (wolfSSL_CTX_set_groups(ctx, groups.data(), static_cast<int>(groups.size())) !=
        WOLFSSL_SUCCESS) {
      return fail(Error::config("curvePreferences: not supported by the TLS library"));
    }
  }
  if (wolfSSL_CTX_use_certificate_chain_buffer_format(
          ctx, reinterpret_cast<const unsigned char*>(cert.cert_pem.data()),
          static_cast<long>(cert.cert_pem.size()), WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS ||
      wolfSSL_CTX_use_PrivateKey_buffer(
          ctx, reinterpret_cast<const unsigned char*>(cert.key_pem.data()),
          static_cast<long>(cert.key_pem.size()), WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS) {
    return fail(Error::config("cannot load the certificate or key"));
  }
  switch (o.client_auth) {
    case ClientAuthMode::NoClientCert:
      wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_NONE, nullptr);
      break;
    case ClientAuthMode::RequestClientCert:
      wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER, acceptAnyCertificate);
      break;
    case ClientAuthMode::RequireAnyClientCert:
      wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER | WOLFSSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                             acceptAnyCertificate);
      break;
    case ClientAuthMode::VerifyClientCertIfGiven:
      wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER, nullptr);
      break;
    case ClientAuthMode::RequireAndVerifyClientCert:
      wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER | WOLFSSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                             nullptr);
      break;
  }
  if ((o.client_auth == ClientAuthMode::VerifyClientCertIfGiven ||
       o.client_auth == ClientAuthMode::RequireAndVerifyClientCert) &&
      wolfSSL_CTX_load_verify_buffer(
          ctx, reinterpret_cast<const unsigned char*>(o.client_ca_pem.data()),
          static_cast<long>(o.client_ca_pem.size()), WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS) {
    return fail(Error::config("clientAuth.caFiles: cannot load the CA certificates"));
  }
  setAnchor(ctx, entry.get());
  entry->alpn = o.alpn;
  if (!entry->alpn.empty()) {
    wolfSSL_CTX_set_alpn_select_cb(ctx, selectAlpn, &entry->alpn);
  }
  // Go servers resume only with tickets; wolfSSL's session-ID cache is process-global and
  // would resume across unrelated contexts, so it stays off.
  wolfSSL_CTX_set_session_cache_mode(ctx, WOLFSSL_SESS_CACHE_OFF);
  if (o.session_tickets) {
    entry->scope.tag = sha256(cert.content_hash + '\n' + o.fingerprint);
    enableSessionTickets(ctx, &entry->scope);
  } else {
    wolfSSL_CTX_NoTicketTLSv12(ctx);
    wolfSSL_CTX_no_ticket_TLSv13(ctx);
  }
  return entry;
}

// Parses and checks a certificate/key pair (key must match the leaf).
Result<std::shared_ptr<const CertEntry>> loadCertificate(const std::string& cert_text,
                                                         const std::string& key_text) {
  auto entry = std::make_shared<CertEntry>();
  entry->cert_pem = cert_text;
  entry->key_pem = key_text;
  auto info = inspectLeaf(cert_text);
  if (!info) {
    return fail(info.error());
  }
  entry->info = std::move(*info);
  CtxPtr scratch(wolfSSL_CTX_new(wolfSSLv23_server_method()));
  if (!scratch) {
    return fail(Error::internal("wolfSSL_CTX_new failed"));
  }
  if (wolfSSL_CTX_use_certificate_chain_buffer_format(
          scratch.get(), reinterpret_cast<const unsigned char*>(cert_text.data()),
          static_cast<long>(cert_text.size()), WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS) {
    return fail(Error::config("cannot load the certificate chain"));
  }
  if (wolfSSL_CTX_use_PrivateKey_buffer(
          scratch.get(), reinterpret_cast<const unsigned char*>(key_text.data()),
          static_cast<long>(key_text.size()), WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS) {
    return fail(Error::config("cannot parse the private key"));
  }
  // wolfSSL_CTX_check_private_key does not compare EC keys in this build: probe with a signature.
  if (!privateKeyMatches(cert_text, key_text)) {
    return fail(Error::config("the private key does not match the certificate"));
  }
  entry->content_hash = hex(sha256(cert_text + '\n' + key_text));
  return std::shared_ptr<const CertEntry>(std::move(entry));
}

constexpr const char* kGeneratedDefaultCn = "TRAEFIK DEFAULT CERT";

// Traefik's fallback certificate, made once per process so clients see the same one across
// reloads.
std::shared_ptr<const CertEntry> generatedDefault() {
  static std::once_flag once;
  static std::shared_ptr<const CertEntry> cert;
  std::call_once(once, [] {
    unsigned char rnd[32];
    wolfSSL_RAND_bytes(rnd, sizeof rnd);
    std::array<unsigned char, 32> a{};
    std::copy(std::begin(rnd), std::end(rnd), a.begin());
    std::string h = hex(a);
    CertRequest req;
    req.common_name = kGeneratedDefaultCn;
    req.dns_names = {h.substr(0, 32) + "." + h.substr(32) + ".traefik.default"};
    auto pair = generateCertificate(req, nullptr);
    if (pair) {
      auto loaded = loadCertificate(pair->cert_pem, pair->key_pem);
      if (loaded) {
        cert = *loaded;
      }
    }
  });
  return cert;
}

}  // namespace

struct ServerTls::Impl {
  std::vector<std::shared_ptr<const CertEntry>> certs;
  std::shared_ptr<const CertEntry> default_cert;
  std::unordered_map<std::string, std::size_t> by_name;  // lower-cased name -> certs index
  std::map<std::string, OptionsEntry, std::less<>> options;
  std::set<std::string, std::less<>> invalid_options;
  std::vector<std::string> watched;
  // Reuse across generations.
  std::map<std::string, std::shared_ptr<const CertEntry>> certs_by_hash;
  std::map<std::string, std::shared_ptr<ContextEntry>> contexts_by_key;

  std::optional<std::size_t> findCert(const std::string& name) const {
    if (name.empty()) {
      return std::nullopt;
    }
    if (auto it = by_name.find(name); it != by_name.end()) {
      return it->second;
    }
    if (auto dot = name.find('.'); dot != std::string::npos) {
      if (auto it = by_name.find("*" + name.substr(dot)); it != by_name.end()) {
        return it->second;
      }
    }
    return std::nullopt;
  }
};

ServerTls::ServerTls(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ServerTls::~ServerTls() = default;

ServerTls::BuildResult ServerTls::build(const config::TlsConfig& cfg, const ServerTls* previous) {
  initOnce();
  auto impl = std::make_unique<Impl>();
  BuildResult result;
  const Impl* prev = previous != nullptr ? previous->impl_.get() : nullptr;

  auto watch = [&](const std::string& path_or_pem) {
    if (!isInlinePem(path_or_pem) && !path_or_pem.empty()) {
      impl->watched.push_back(path_or_pem);
    }
  };
  auto load = [&](const std::string& cert_file, const std::string& key_file,
                  const std::string& what) -> std::shared_ptr<const CertEntry> {
    watch(cert_file);
    watch(key_file);
    auto describe = [&] {
      return what + " (certFile " +
             (isInlinePem(cert_file) ? std::string("inline PEM") : "\"" + cert_file + "\"") +
             ", keyFile " +
             (isInlinePem(key_file) ? std::string("inline PEM") : "\"" + key_file + "\"") + ")";
    };
    auto cert = readPem(cert_file);
    if (!cert) {
      result.errors.push_back(describe() + ": certFile: " + cert.error().message);
      return nullptr;
    }
    auto key = readPem(key_file);
    if (!key) {
      result.errors.push_back(describe() + ": keyFile: " + key.error().message);
      return nullptr;
    }
    std::string hash = hex(sha256(cert->text + '\n' + key->text));
    if (prev != nullptr) {
      if (auto it = prev->certs_by_hash.find(hash); it != prev->certs_by_hash.end()) {
        impl->certs_by_hash.emplace(hash, it->second);
        return it->second;
      }
    }
    auto loaded = loadCertificate(cert->text, key->text);
    if (!loaded) {
      result.errors.push_back(describe() + ": " + loaded.error().message);
      return nullptr;
    }
    impl->certs_by_hash.emplace(hash, *loaded);
    return *loaded;
  };

  // Certificates of the default store, indexed by name. A later certificate claims a name over
  // an earlier one, but an identical name set is kept only once (the first).
  std::set<std::vector<std::string>> name_sets;
  for (std::size_t i = 0; i < cfg.certificates.size(); ++i) {
    const config::TlsCertificate& c = cfg.certificates[i];
    const std::string what = "tls.certificates[" + std::to_string(i) + "]";
    bool in_default = c.stores.empty() ||
                      std::find(c.stores.begin(), c.stores.end(), kDefaultName) != c.stores.end();
    if (!in_default) {
      watch(c.cert_file);
      watch(c.key_file);
      result.errors.push_back(what +
                              ": stores: only the \"default\" TLS store is supported; "
                              "certificate ignored");
      continue;
    }
    auto cert = load(c.cert_file, c.key_file, what);
    if (!cert) {
      continue;
    }
    std::vector<std::string> names = cert->info.sniNames();
    std::vector<std::string> sorted = names;
    std::sort(sorted.begin(), sorted.end());
    if (!name_sets.insert(sorted).second) {
      continue;
    }
    impl->certs.push_back(cert);
    for (const std::string& n : names) {
      impl->by_name[n] = impl->certs.size() - 1;
    }
  }

  // Default certificate: the configured one, else the generated one.
  for (const auto& [store_name, store] : cfg.stores) {
    if (store_name == kDefaultName && store.default_certificate) {
      impl->default_cert =
          load(store.default_certificate->cert_file, store.default_certificate->key_file,
               "tls.stores.default.defaultCertificate");
    }
  }
  if (!impl->default_cert) {
    impl->default_cert = generatedDefault();
  }

  // Options: the configured ones plus Traefik's built-in default.
  std::map<std::string, config::TlsOptions> all_options(cfg.options.begin(), cfg.options.end());
  all_options.emplace(kDefaultName, builtinDefaultOptions());
  for (const auto& [name, raw] : all_options) {
    auto resolved = resolveServerOptions(name, raw, impl->watched);
    if (!resolved) {
      result.errors.push_back(resolved.error().message);
      impl->invalid_options.insert(name);
      continue;
    }
    OptionsEntry entry;
    entry.opts = std::move(*resolved);
    bool ok = true;
    auto context_for = [&](const CertEntry& cert) -> std::shared_ptr<ContextEntry> {
      std::string key = cert.content_hash + '\n' + entry.opts.fingerprint;
      if (auto it = impl->contexts_by_key.find(key); it != impl->contexts_by_key.end()) {
        return it->second;
      }
      if (prev != nullptr) {
        if (auto it = prev->contexts_by_key.find(key); it != prev->contexts_by_key.end()) {
          impl->contexts_by_key.emplace(key, it->second);
          return it->second;
        }
      }
      auto made = makeContext(cert, entry.opts);
      if (!made) {
        result.errors.push_back("TLS options \"" + name + "\": " + made.error().message);
        ok = false;
        return nullptr;
      }
      impl->contexts_by_key.emplace(key, *made);
      return *made;
    };
    for (const auto& cert : impl->certs) {
      entry.per_cert.push_back(context_for(*cert));
      if (!ok) {
        break;
      }
    }
    if (ok && impl->default_cert) {
      entry.fallback = context_for(*impl->default_cert);
    }
    if (!ok) {
      impl->invalid_options.insert(name);
      continue;
    }
    impl->options.emplace(name, std::move(entry));
  }

  std::sort(impl->watched.begin(), impl->watched.end());
  impl->watched.erase(std::unique(impl->watched.begin(), impl->watched.end()), impl->watched.end());
  result.tls = std::shared_ptr<const ServerTls>(new ServerTls(std::move(impl)));
  return result;
}

bool ServerTls::hasOptions(std::string_view name) const {
  return impl_->options.find(name) != impl_->options.end();
}

bool ServerTls::optionsInvalid(std::string_view name) const {
  return impl_->invalid_options.find(name) != impl_->invalid_options.end();
}

WOLFSSL_CTX* ServerTls::select(std::string_view sni, std::string_view options_name) const {
  if (optionsInvalid(options_name)) {
    return nullptr;
  }
  auto it = impl_->options.find(options_name);
  if (it == impl_->options.end()) {
    it = impl_->options.find(std::string_view(kDefaultName));
    if (it == impl_->options.end()) {
      return nullptr;  // the default options themselves are invalid
    }
  }
  const OptionsEntry& opts = it->second;
  if (auto idx = impl_->findCert(normalizeName(sni))) {
    return opts.per_cert[*idx] ? opts.per_cert[*idx]->ctx.get() : nullptr;
  }
  if (opts.opts.sni_strict || !opts.fallback) {
    return nullptr;
  }
  return opts.fallback->ctx.get();
}

std::vector<std::string> ServerTls::watchedFiles() const {
  return impl_->watched;
}

std::vector<std::pair<std::string, std::int64_t>> ServerTls::certificatesNotAfter() const {
  std::vector<std::pair<std::string, std::int64_t>> out;
  auto add = [&](const CertEntry& c) {
    std::string name = c.info.common_name;
    if (name.empty() && !c.info.dns_names.empty()) {
      name = c.info.dns_names.front();
    }
    out.emplace_back(std::move(name), c.info.not_after);
  };
  for (const auto& c : impl_->certs) {
    add(*c);
  }
  if (impl_->default_cert) {
    add(*impl_->default_cert);
  }
  return out;
}

std::vector<ServerTls::CertificateSummary> ServerTls::certificateSummaries() const {
  std::vector<CertificateSummary> out;
  auto add = [&](const CertEntry& c) {
    CertificateSummary s;
    s.common_name = c.info.common_name;
    auto fields = certFields(c.cert_pem);
    s.serial = fields ? fields->serial_decimal : c.info.serial_hex;
    s.dns_names = c.info.dns_names;
    std::sort(s.dns_names.begin(), s.dns_names.end());
    s.not_after = c.info.not_after;
    s.pem = c.cert_pem;
    out.push_back(std::move(s));
  };
  for (const auto& c : impl_->certs) {
    add(*c);
  }
  if (impl_->default_cert && impl_->default_cert->info.common_name != kGeneratedDefaultCn) {
    add(*impl_->default_cert);
  }
  return out;
}

std::string ServerTls::certificatePemFor(std::string_view sni) const {
  if (auto idx = impl_->findCert(normalizeName(sni))) {
    return impl_->certs[*idx]->cert_pem;
  }
  return impl_->default_cert ? impl_->default_cert->cert_pem : std::string();
}

}  // namespace pier::tls
