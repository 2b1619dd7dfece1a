// Session-ticket encryption shared by every server context in the process, so a ticket issued by
// one worker thread (or before a configuration reload) resumes on any other. Keys rotate every
// kRotation; the previous key still decrypts (and triggers a fresh ticket), so a ticket lives at
// most two rotation periods.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>

#include "tls/wolfssl.h"

namespace pier::tls {

inline constexpr std::chrono::hours kTicketKeyRotation{12};

// Binds tickets to the context that issued them: a ticket only resumes on a context with the
// same certificate and TLS options (otherwise a ticket from a context without client
// authentication could skip it on one that requires it).
struct TicketScope {
  std::array<unsigned char, 32> tag{};
};

// Installs the shared ticket callback on `ctx`; `scope` must outlive the context.
void enableSessionTickets(WOLFSSL_CTX* ctx, const TicketScope* scope);

// For tests: pretend `elapsed` has passed since the keys were made (forces rotation).
void advanceTicketClockForTesting(std::chrono::seconds elapsed);

}  // namespace pier::tls
