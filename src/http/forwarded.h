// X-Forwarded-* and X-Real-Ip handling at the entry point (spec G.1 steps 1-4) and the
// X-Forwarded-For append at the upstream hop (G.1 step 5). Thread: any; pure over a HeaderMap.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/ip_address.h"
#include "http/header_map.h"

namespace pier::http {

struct ForwardedPolicy {
  base::IpRangeSet trusted;                  // forwardedHeaders.trustedIPs
  bool insecure = false;                     // forwardedHeaders.insecure
  bool not_append_xff = false;               // notAppendXForwardedFor
  bool add_scheme_headers = false;           // addXForwardedSchemeHeaders
  std::vector<std::string> connection_keep;  // forwardedHeaders.connection
};

struct ConnectionFacts {
  base::IpAddress peer;  // after PROXY protocol
  bool tls = false;
  std::string_view server_hostname;  // X-Forwarded-Server; not set when empty
};

/// True for the managed names of spec G.1, also when spelled with `_` (X_Forwarded_For).
bool isManagedForwardedHeader(std::string_view name);

/// Entry-point step. Expects `Host` to hold the effective authority (for an absolute-form target
/// the caller first sets Host from the target, as Go does). Untrusted peer: deletes every managed
/// header. Then, where absent or empty: X-Real-Ip, X-Forwarded-Proto (ws/wss for WebSocket
/// upgrades), X-Forwarded-Port (Host's port, else 443 for https/wss or TLS, else 80),
/// X-Forwarded-Host (when Host is non-empty); X-Forwarded-Scheme and X-Scheme (always, when
/// add_scheme_headers); X-Forwarded-Server always. Several X-Forwarded-For fields are folded into
/// one (", "). Fields named in Connection are removed unless managed or in connection_keep;
/// Connection is rewritten to the kept names (+ Upgrade for upgrade requests) or removed.
void applyForwardedHeaders(HeaderMap& h, const ForwardedPolicy& policy,
                           const ConnectionFacts& facts);

/// Upstream hop: appends ", <peer>" to X-Forwarded-For or creates it, unless
/// policy.not_append_xff. An X-Forwarded-For field with an empty value (a middleware cleared it)
/// means "send none": all X-Forwarded-For fields are removed.
void appendXForwardedFor(HeaderMap& h, const ForwardedPolicy& policy, const base::IpAddress& peer);

}  // namespace pier::http
