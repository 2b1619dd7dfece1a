// Hop-by-hop header handling for the proxy hop (spec G.2) and upgrade detection (spec G.4).
// Thread: any. Pure functions over a HeaderMap.
#pragma once

#include <string>
#include <vector>

#include "http/header_map.h"

namespace pier::http {

/// Removes Connection, Proxy-Connection, Keep-Alive, Proxy-Authenticate, Proxy-Authorization,
/// Trailer, Transfer-Encoding, Upgrade, Te (kept as `Te: trailers` when a Te field carried the
/// `trailers` token) and every field named in Connection. With `keep_upgrade` and a non-empty
/// Upgrade field, Upgrade is kept and `Connection: Upgrade` is added back.
void removeHopByHop(HeaderMap& headers, bool keep_upgrade);

/// Connection lists the `upgrade` token and an Upgrade field is present.
bool isUpgradeRequest(const HeaderMap& headers);
/// isUpgradeRequest and Upgrade lists the `websocket` token.
bool isWebSocketUpgrade(const HeaderMap& headers);

/// Spec G.4: renames every field whose name case-insensitively equals Sec-WebSocket-Key,
/// Sec-WebSocket-Extensions, Sec-WebSocket-Accept, Sec-WebSocket-Protocol or Sec-WebSocket-Version
/// to exactly that capitalisation (some servers are case-sensitive). Values and field order are
/// untouched. Called on upgrade requests and 101 responses.
void canonicalizeWebSocketHeaders(HeaderMap& headers);

/// All comma-separated, trimmed, non-empty tokens of every `name` field, in order.
std::vector<std::string> headerTokens(const HeaderMap& headers, std::string_view name);

}  // namespace pier::http
