#include "tls/ticket_keys.h"

#include <cstring>
#include <mutex>

// clang-format off
#include <wolfssl/wolfcrypt/chacha20_poly1305.h>
// clang-format on

namespace pier::tls {
namespace {

constexpr std::size_t kKeySize = CHACHA20_POLY1305_AEAD_KEYSIZE;
constexpr std::size_t kNonceSize = CHACHA20_POLY1305_AEAD_IV_SIZE;  // 12 of the 16 IV bytes
constexpr std::size_t kTagSize = CHACHA20_POLY1305_AEAD_AUTHTAG_SIZE;

struct TicketKey {
  std::array<unsigned char, WOLFSSL_TICKET_NAME_SZ> name{};
  std::array<unsigned char, kKeySize> key{};
  bool valid = false;
};

class KeyRing {
 public:
  // Copies of the current and previous keys, rotating first when the current one is too old.
  void snapshot(TicketKey& current, TicketKey& previous) {
    std::lock_guard lock(mu_);
    auto now = std::chrono::steady_clock::now() + skew_;
    if (!current_.valid || now - created_ >= kTicketKeyRotation) {
      previous_ = current_;
      current_.valid = fresh(current_);
      created_ = now;
    }
    current = current_;
    previous = previous_;
  }

  void advance(std::chrono::seconds s) {
    std::lock_guard lock(mu_);
    skew_ += s;
  }

 private:
  static bool fresh(TicketKey& k) {
    return wolfSSL_RAND_bytes(k.name.data(), static_cast<int>(k.name.size())) == 1 &&
           wolfSSL_RAND_bytes(k.key.data(), static_cast<int>(k.key.size())) == 1;
  }

  std::mutex mu_;
  TicketKey current_;
  TicketKey previous_;
  std::chrono::steady_clock::time_point created_;
  std::chrono::steady_clock::duration skew_{};
};

KeyRing& ring() {
  static KeyRing r;
  return r;
}

// AAD = key name || IV || context scope.
std::array<unsigned char, WOLFSSL_TICKET_NAME_SZ + WOLFSSL_TICKET_IV_SZ + 32> aad(
    const unsigned char* name, const unsigned char* iv, const TicketScope* scope) {
  std::array<unsigned char, WOLFSSL_TICKET_NAME_SZ + WOLFSSL_TICKET_IV_SZ + 32> a{};
  std::memcpy(a.data(), name, WOLFSSL_TICKET_NAME_SZ);
  std::memcpy(a.data() + WOLFSSL_TICKET_NAME_SZ, iv, WOLFSSL_TICKET_IV_SZ);
  if (scope != nullptr) {
    std::memcpy(a.data() + WOLFSSL_TICKET_NAME_SZ + WOLFSSL_TICKET_IV_SZ, scope->tag.data(), 32);
  }
  return a;
}

int ticketCallback(WOLFSSL* /*ssl*/, unsigned char key_name[WOLFSSL_TICKET_NAME_SZ],
                   unsigned char iv[WOLFSSL_TICKET_IV_SZ], unsigned char mac[WOLFSSL_TICKET_MAC_SZ],
                   int enc, unsigned char* ticket, int in_len, int* out_len, void* user) {
  const auto* scope = static_cast<const TicketScope*>(user);
  TicketKey current;
  TicketKey previous;
  ring().snapshot(current, previous);
  if (!current.valid || in_len < 0) {
    return WOLFSSL_TICKET_RET_FATAL;
  }
  if (enc != 0) {
    std::memcpy(key_name, current.name.data(), WOLFSSL_TICKET_NAME_SZ);
    if (wolfSSL_RAND_bytes(iv, WOLFSSL_TICKET_IV_SZ) != 1) {
      return WOLFSSL_TICKET_RET_FATAL;
    }
    auto a = aad(key_name, iv, scope);
    std::memset(mac, 0, WOLFSSL_TICKET_MAC_SZ);
    if (wc_ChaCha20Poly1305_Encrypt(current.key.data(), iv, a.data(), static_cast<word32>(a.size()),
                                    ticket, static_cast<word32>(in_len), ticket, mac) != 0) {
      return WOLFSSL_TICKET_RET_FATAL;
    }
    *out_len = in_len;
    return WOLFSSL_TICKET_RET_OK;
  }
  const TicketKey* key = nullptr;
  bool renew = false;
  if (std::memcmp(key_name, current.name.data(), WOLFSSL_TICKET_NAME_SZ) == 0) {
    key = &current;
  } else if (previous.valid &&
             std::memcmp(key_name, previous.name.data(), WOLFSSL_TICKET_NAME_SZ) == 0) {
    key = &previous;
    renew = true;
  } else {
    return WOLFSSL_TICKET_RET_REJECT;  // unknown or expired key: full handshake
  }
  auto a = aad(key_name, iv, scope);
  if (wc_ChaCha20Poly1305_Decrypt(key->key.data(), iv, a.data(), static_cast<word32>(a.size()),
                                  ticket, static_cast<word32>(in_len), mac, ticket) != 0) {
    return WOLFSSL_TICKET_RET_REJECT;
  }
  *out_len = in_len;
  return renew ? WOLFSSL_TICKET_RET_CREATE : WOLFSSL_TICKET_RET_OK;
}

static_assert(kNonceSize <= WOLFSSL_TICKET_IV_SZ);
static_assert(kTagSize <= WOLFSSL_TICKET_MAC_SZ);

}  // namespace

void enableSessionTickets(WOLFSSL_CTX* ctx, const TicketScope* scope) {
  wolfSSL_CTX_set_TicketEncCb(ctx, ticketCallback);
  wolfSSL_CTX_set_TicketEncCtx(ctx, const_cast<TicketScope*>(scope));
  auto lifetime = std::chrono::duration_cast<std::chrono::seconds>(kTicketKeyRotation).count();
  wolfSSL_CTX_set_TicketHint(ctx, static_cast<int>(lifetime));
  wolfSSL_CTX_set_timeout(ctx, static_cast<unsigned>(lifetime));
}

void advanceTicketClockForTesting(std::chrono::seconds elapsed) {
  ring().advance(elapsed);
}

}  // namespace pier::tls
