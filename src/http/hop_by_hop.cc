#include "http/hop_by_hop.h"

#include <string_view>

#include "base/strings.h"

namespace pier::http {
namespace {

constexpr std::string_view kHopByHop[] = {
    "Connection",
    "Proxy-Connection",
    "Keep-Alive",
    "Proxy-Authenticate",
    "Proxy-Authorization",
    "Te",
    "Trailer",
    "Transfer-Encoding",
};

constexpr std::string_view kWebSocketNames[] = {
    "Sec-WebSocket-Key",      "Sec-WebSocket-Extensions", "Sec-WebSocket-Accept",
    "Sec-WebSocket-Protocol", "Sec-WebSocket-Version",
};

}  // namespace

std::vector<std::string> headerTokens(const HeaderMap& headers, std::string_view name) {
  std::vector<std::string> out;
  headers.forEach(name, [&](std::string_view value) {
    for (std::string& item : base::splitTrim(value, ',')) {
      out.push_back(std::move(item));
    }
  });
  return out;
}

bool isUpgradeRequest(const HeaderMap& headers) {
  return headers.hasToken("Connection", "upgrade") && headers.has("Upgrade");
}

bool isWebSocketUpgrade(const HeaderMap& headers) {
  return isUpgradeRequest(headers) && headers.hasToken("Upgrade", "websocket");
}

void canonicalizeWebSocketHeaders(HeaderMap& headers) {
  for (HeaderField& f : headers.fields()) {
    for (std::string_view canonical : kWebSocketNames) {
      if (f.name != canonical && headerNameEquals(f.name, canonical)) {
        f.name.assign(canonical);
        break;
      }
    }
  }
}

void removeHopByHop(HeaderMap& headers, bool keep_upgrade) {
  bool te_trailers = headers.hasToken("Te", "trailers");
  const std::string* upgrade = headers.get("Upgrade");
  bool upgrading = keep_upgrade && upgrade != nullptr && !base::trim(*upgrade).empty();
  for (const std::string& name : headerTokens(headers, "Connection")) {
    if (!(upgrading && base::iequals(name, "Upgrade"))) {
      headers.remove(name);
    }
  }
  for (std::string_view name : kHopByHop) {
    headers.remove(name);
  }
  if (!upgrading) {
    headers.remove("Upgrade");
  }
  if (te_trailers) {
    headers.add("Te", "trailers");
  }
  if (upgrading) {
    headers.add("Connection", "Upgrade");
  }
}

}  // namespace pier::http
