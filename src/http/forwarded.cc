#include "http/forwarded.h"

#include <algorithm>

#include "base/strings.h"
#include "http/hop_by_hop.h"

namespace pier::http {
namespace {

constexpr std::string_view kManaged[] = {
    "X-Forwarded-For",
    "X-Forwarded-Proto",
    "X-Forwarded-Host",
    "X-Forwarded-Port",
    "X-Forwarded-Server",
    "X-Forwarded-Uri",
    "X-Forwarded-Method",
    "X-Forwarded-Prefix",
    "X-Forwarded-Tls-Client-Cert",
    "X-Scheme",
    "X-Forwarded-Tls-Client-Cert-Info",
    "X-Forwarded-Scheme",
    "X-Real-Ip",
};

// Compares ignoring case and treating '_' as '-'.
bool equalsDashed(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i] == '_' ? '-' : base::asciiLower(a[i]);
    char y = b[i] == '_' ? '-' : base::asciiLower(b[i]);
    if (x != y) {
      return false;
    }
  }
  return true;
}

bool absentOrEmpty(const HeaderMap& h, std::string_view name) {
  const std::string* v = h.get(name);
  return v == nullptr || v->empty();
}

// Port of a Host value ("a.com:8000", "[::1]:8080"), or empty.
std::string_view hostPort(std::string_view host) {
  std::size_t colon = host.rfind(':');
  if (colon == std::string_view::npos) {
    return {};
  }
  if (host.front() == '[') {
    std::size_t close = host.find(']');
    if (close == std::string_view::npos || close + 1 != colon) {
      return {};
    }
  } else if (host.find(':') != colon) {
    return {};  // bare IPv6 literal, no port
  }
  return host.substr(colon + 1);
}

void foldXForwardedFor(HeaderMap& h) {
  std::size_t count = 0;
  std::string joined;
  std::string name;
  h.forEach("X-Forwarded-For", [&](std::string_view v) {
    if (count++ > 0) {
      joined.append(", ");
    }
    joined.append(v);
  });
  if (count < 2) {
    return;
  }
  for (const HeaderField& f : h) {
    if (headerNameEquals(f.name, "X-Forwarded-For")) {
      name = f.name;
      break;
    }
  }
  h.set(name, joined);
}

void setMissing(HeaderMap& h, const ForwardedPolicy& policy, const ConnectionFacts& facts) {
  if (absentOrEmpty(h, "X-Real-Ip")) {
    h.set("X-Real-Ip", facts.peer.toString());
  }
  if (absentOrEmpty(h, "X-Forwarded-Proto")) {
    if (isWebSocketUpgrade(h)) {
      h.set("X-Forwarded-Proto", facts.tls ? "wss" : "ws");
    } else {
      h.set("X-Forwarded-Proto", facts.tls ? "https" : "http");
    }
  }
  std::string proto = *h.get("X-Forwarded-Proto");
  if (policy.add_scheme_headers) {
    h.set("X-Forwarded-Scheme", proto);
    h.set("X-Scheme", proto);
  }
  const std::string* host_field = h.get("Host");
  std::string host = host_field != nullptr ? std::string(base::trim(*host_field)) : std::string();
  if (absentOrEmpty(h, "X-Forwarded-Port")) {
    std::string_view port = hostPort(host);
    if (port.empty()) {
      port = (proto == "https" || proto == "wss" || facts.tls) ? "443" : "80";
    }
    h.set("X-Forwarded-Port", port);
  }
  if (absentOrEmpty(h, "X-Forwarded-Host") && !host.empty()) {
    h.set("X-Forwarded-Host", host);
  }
  if (!facts.server_hostname.empty()) {
    h.set("X-Forwarded-Server", facts.server_hostname);
  }
}

bool keptByPolicy(const ForwardedPolicy& policy, std::string_view name) {
  return std::any_of(policy.connection_keep.begin(), policy.connection_keep.end(),
                     [&](const std::string& k) { return base::iequals(k, name); });
}

void applyConnectionOption(HeaderMap& h, const ForwardedPolicy& policy) {
  bool upgrade = isUpgradeRequest(h);
  std::string kept;
  for (const std::string& name : headerTokens(h, "Connection")) {
    if (isManagedForwardedHeader(name)) {
      continue;  // Connection cannot remove headers the proxy manages
    }
    if (keptByPolicy(policy, name)) {
      kept.append(kept.empty() ? "" : ",").append(name);
      continue;
    }
    if (upgrade && base::iequals(name, "Upgrade")) {
      continue;  // re-added below
    }
    h.remove(name);
  }
  if (upgrade) {
    kept.append(kept.empty() ? "" : ",").append("Upgrade");
  }
  if (kept.empty()) {
    h.remove("Connection");
  } else {
    h.set("Connection", kept);
  }
}

}  // namespace

bool isManagedForwardedHeader(std::string_view name) {
  return std::any_of(std::begin(kManaged), std::end(kManaged),
                     [&](std::string_view m) { return equalsDashed(name, m); });
}

void applyForwardedHeaders(HeaderMap& h, const ForwardedPolicy& policy,
                           const ConnectionFacts& facts) {
  bool trusted = policy.insecure || policy.trusted.contains(facts.peer);
  if (!trusted) {
    auto& fields = h.fields();
    fields.erase(
        std::remove_if(fields.begin(), fields.end(),
                       [](const HeaderField& f) { return isManagedForwardedHeader(f.name); }),
        fields.end());
  }
  foldXForwardedFor(h);
  setMissing(h, policy, facts);
  applyConnectionOption(h, policy);
}

void appendXForwardedFor(HeaderMap& h, const ForwardedPolicy& policy, const base::IpAddress& peer) {
  if (policy.not_append_xff) {
    return;
  }
  bool cleared = false;
  std::string prior;
  h.forEach("X-Forwarded-For", [&](std::string_view v) {
    cleared = cleared || base::trim(v).empty();
    prior.append(prior.empty() ? "" : ", ").append(v);
  });
  if (cleared) {
    h.remove("X-Forwarded-For");
    return;
  }
  std::string ip = peer.toString();
  h.set("X-Forwarded-For", prior.empty() ? ip : prior + ", " + ip);
}

}  // namespace pier::http
