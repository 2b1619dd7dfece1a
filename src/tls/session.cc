#include "tls/session.h"

#include <cstring>

#include "base/ip_address.h"
#include "tls/pem.h"

// clang-format off
#include <wolfssl/error-ssl.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
// clang-format on

namespace pier::tls {
namespace {

constexpr int kReadChunk = 16384;

// Human wording for the failures people meet in practice; wolfSSL's own text otherwise.
std::string describe(WOLFSSL* ssl, int code) {
  switch (code) {
    case NO_PEER_CERT:
      return "peer did not present a certificate";
    case ASN_NO_SIGNER_E:
      return "certificate verify failed: unknown authority";
    case DOMAIN_NAME_MISMATCH:
      return "certificate verify failed: name mismatch";
    case ASN_AFTER_DATE_E:
      return "certificate verify failed: certificate has expired";
    case ASN_BEFORE_DATE_E:
      return "certificate verify failed: certificate is not yet valid";
    case ASN_SIG_CONFIRM_E:
    case VERIFY_CERT_ERROR:
      return "certificate verify failed: " + errorString(code);
    case VERSION_ERROR:
      return "protocol version not supported";
    case MATCH_SUITE_ERROR:
      return "no shared cipher suite";
    case UNKNOWN_RECORD_TYPE:
    case PARSE_ERROR:
    case BUFFER_ERROR:
    case INCOMPLETE_DATA:
    case LENGTH_ERROR:
      return "malformed TLS record: " + errorString(code);
    case FATAL_ERROR: {
      WOLFSSL_ALERT_HISTORY h{};
      if (wolfSSL_get_alert_history(ssl, &h) == WOLFSSL_SUCCESS && h.last_rx.code > 0) {
        const char* desc = wolfSSL_alert_desc_string_long(h.last_rx.code);
        return std::string("received alert: ") + (desc != nullptr ? desc : "unknown");
      }
      return errorString(code);
    }
    default:
      return errorString(code);
  }
}

bool isIpLiteral(std::string_view host) {
  return base::IpAddress::parse(host).has_value();
}

}  // namespace

Session::Session(WOLFSSL* ssl, bool server) : ssl_(ssl), server_(server) {
  wolfSSL_SSLSetIORecv(ssl_, &Session::onRecv);
  wolfSSL_SSLSetIOSend(ssl_, &Session::onSend);
  wolfSSL_SetIOReadCtx(ssl_, this);
  wolfSSL_SetIOWriteCtx(ssl_, this);
}

Session::~Session() {
  wolfSSL_free(ssl_);
}

std::unique_ptr<Session> Session::accept(WOLFSSL_CTX* ctx) {
  if (ctx == nullptr) {
    return nullptr;
  }
  WOLFSSL* ssl = wolfSSL_new(ctx);
  if (ssl == nullptr) {
    return nullptr;
  }
  std::unique_ptr<Session> s(new Session(ssl, true));
  s->anchor_ = anchorOf(ctx);
  return s;
}

std::unique_ptr<Session> Session::connect(WOLFSSL_CTX* ctx, std::string_view sni,
                                          std::string_view verify_name,
                                          const std::vector<std::string>& alpn,
                                          const SavedSession& resume) {
  if (ctx == nullptr) {
    return nullptr;
  }
  WOLFSSL* ssl = wolfSSL_new(ctx);
  if (ssl == nullptr) {
    return nullptr;
  }
  std::unique_ptr<Session> s(new Session(ssl, false));
  if (!sni.empty() && !isIpLiteral(sni)) {
    wolfSSL_UseSNI(ssl, WOLFSSL_SNI_HOST_NAME, sni.data(), static_cast<unsigned short>(sni.size()));
  }
  if (!verify_name.empty() && wolfSSL_CTX_get_verify_mode(ctx) != WOLFSSL_VERIFY_NONE) {
    std::string name(verify_name);
    wolfSSL_check_domain_name(ssl, name.c_str());
  }
  if (!alpn.empty()) {
    std::string list;
    for (const std::string& p : alpn) {
      if (!list.empty()) {
        list += ',';
      }
      list += p;
    }
    wolfSSL_UseALPN(ssl, list.data(), static_cast<unsigned>(list.size()),
                    WOLFSSL_ALPN_CONTINUE_ON_MISMATCH);
  }
  wolfSSL_UseSessionTicket(ssl);
  if (resume) {
    wolfSSL_set_session(ssl, resume.get());
  }
  s->drive(nullptr);  // emits the ClientHello
  return s;
}

int Session::onRecv(WOLFSSL* /*ssl*/, char* buf, int sz, void* ctx) {
  auto* self = static_cast<Session*>(ctx);
  std::size_t avail = self->in_.size() - self->in_pos_;
  if (avail == 0) {
    return WOLFSSL_CBIO_ERR_WANT_READ;
  }
  std::size_t n = std::min(avail, static_cast<std::size_t>(sz));
  std::memcpy(buf, self->in_.data() + self->in_pos_, n);
  self->in_pos_ += n;
  if (self->in_pos_ == self->in_.size()) {
    self->in_.clear();
    self->in_pos_ = 0;
  }
  return static_cast<int>(n);
}

int Session::onSend(WOLFSSL* /*ssl*/, char* buf, int sz, void* ctx) {
  static_cast<Session*>(ctx)->out_.append(buf, static_cast<std::size_t>(sz));
  return sz;
}

Session::Status Session::failWith(int ret) {
  int code = wolfSSL_get_error(ssl_, ret);
  failed_ = true;
  error_ = describe(ssl_, code);
  in_.clear();
  in_pos_ = 0;
  pending_.clear();
  return Status::Error;
}

void Session::captureHandshakeFacts() {
  done_ = true;
  char* proto = nullptr;
  unsigned short proto_len = 0;
  if (wolfSSL_ALPN_GetProtocol(ssl_, &proto, &proto_len) == WOLFSSL_SUCCESS && proto != nullptr) {
    alpn_.assign(proto, proto_len);
  }
  if (server_) {
    void* name = nullptr;
    unsigned short len = wolfSSL_SNI_GetRequest(ssl_, WOLFSSL_SNI_HOST_NAME, &name);
    if (name != nullptr && len > 0) {
      sni_.assign(static_cast<const char*>(name), len);
    }
  }
  if (const char* v = wolfSSL_get_version(ssl_)) {
    version_ = v;
  }
  // IANA names are what Go (and Traefik's access log) report.
  int suite = wolfSSL_get_current_cipher_suite(ssl_);
  const char* iana = wolfSSL_get_cipher_name_iana_from_suite(
      static_cast<unsigned char>((suite >> 8) & 0xff), static_cast<unsigned char>(suite & 0xff));
  if (iana != nullptr && std::strcmp(iana, "None") != 0) {
    cipher_ = iana;
  } else if (const char* c = wolfSSL_get_cipher_name(ssl_)) {
    cipher_ = c;
  }
  resumed_ = wolfSSL_session_reused(ssl_) == 1;
}

Session::Status Session::flushPending() {
  if (pending_.empty()) {
    return Status::Ok;
  }
  std::string data = std::move(pending_);
  pending_.clear();
  return send(data);
}

Session::Status Session::drive(std::string* plaintext) {
  if (failed_) {
    return Status::Error;
  }
  if (closed_) {
    return Status::Closed;
  }
  if (!done_) {
    int ret = server_ ? wolfSSL_accept(ssl_) : wolfSSL_connect(ssl_);
    if (ret != WOLFSSL_SUCCESS) {
      int err = wolfSSL_get_error(ssl_, ret);
      if (err == WOLFSSL_ERROR_WANT_READ || err == WOLFSSL_ERROR_WANT_WRITE) {
        return Status::Ok;
      }
      return failWith(ret);
    }
    captureHandshakeFacts();
    if (flushPending() == Status::Error) {
      return Status::Error;
    }
  }
  if (plaintext == nullptr) {
    return Status::Ok;
  }
  char buf[kReadChunk];
  for (;;) {
    int n = wolfSSL_read(ssl_, buf, sizeof buf);
    if (n > 0) {
      plaintext->append(buf, static_cast<std::size_t>(n));
      continue;
    }
    int err = wolfSSL_get_error(ssl_, n);
    if (err == WOLFSSL_ERROR_WANT_READ || err == WOLFSSL_ERROR_WANT_WRITE) {
      return Status::Ok;
    }
    if (err == WOLFSSL_ERROR_ZERO_RETURN) {
      closed_ = true;
      return Status::Closed;
    }
    return failWith(n);
  }
}

Session::Status Session::receive(const char* data, std::size_t len, std::string& plaintext) {
  if (failed_) {
    return Status::Error;
  }
  if (closed_) {
    return Status::Closed;
  }
  in_.append(data, len);
  return drive(&plaintext);
}

Session::Status Session::send(std::string_view plaintext) {
  if (failed_) {
    return Status::Error;
  }
  if (!done_) {
    pending_.append(plaintext);
    return Status::Ok;
  }
  while (!plaintext.empty()) {
    int chunk = static_cast<int>(std::min<std::size_t>(plaintext.size(), kReadChunk));
    int n = wolfSSL_write(ssl_, plaintext.data(), chunk);
    if (n <= 0) {
      return failWith(n);
    }
    plaintext.remove_prefix(static_cast<std::size_t>(n));
  }
  return Status::Ok;
}

std::string Session::takeOutput() {
  std::string out = std::move(out_);
  out_.clear();
  return out;
}

void Session::shutdown() {
  if (failed_) {
    return;
  }
  if (done_) {
    wolfSSL_shutdown(ssl_);
  }
}

std::vector<std::string> Session::peerCertificatesPem() const {
  std::vector<std::string> out;
  WOLFSSL_X509_CHAIN* chain = wolfSSL_get_peer_chain(ssl_);
  if (chain == nullptr) {
    return out;
  }
  int count = wolfSSL_get_chain_count(chain);
  for (int i = 0; i < count; ++i) {
    std::string pem =
        derToPemCertificate(wolfSSL_get_chain_cert(chain, i), wolfSSL_get_chain_length(chain, i));
    if (!pem.empty()) {
      out.push_back(std::move(pem));
    }
  }
  return out;
}

SavedSession Session::saveSession() const {
  WOLFSSL_SESSION* s = wolfSSL_get1_session(ssl_);
  if (s == nullptr) {
    return nullptr;
  }
  return SavedSession(s, SavedSessionFree{});
}

}  // namespace pier::tls
