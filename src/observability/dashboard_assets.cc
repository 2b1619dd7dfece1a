#include "observability/dashboard_assets.h"

namespace pier::observability {
namespace {

// The page loads nothing but its own files and the API of the same origin; the favicon is an
// inline data: URL so that browsers do not ask for /favicon.ico.
constexpr std::string_view kSecurityHeaders =
    "X-Content-Type-Options: nosniff\r\n"
    "Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; "
    "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'\r\n"
    "Referrer-Policy: no-referrer\r\n";

// index.html is revalidated on every load (it names the current versions of the other files);
// a file asked for with its current `v=` is immutable: that URL changes with its content.
constexpr std::string_view kRevalidate = "Cache-Control: no-cache\r\n";
constexpr std::string_view kImmutable = "Cache-Control: public, max-age=31536000, immutable\r\n";

bool asksForVersion(std::string_view query, std::string_view version) {
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    if (pair.size() == version.size() + 2 && pair.substr(0, 2) == "v=" &&
        pair.substr(2) == version) {
      return true;
    }
    if (amp == std::string_view::npos) {
      break;
    }
    query.remove_prefix(amp + 1);
  }
  return false;
}

}  // namespace

const EmbeddedAsset* findDashboardAsset(std::string_view name) {
  for (const EmbeddedAsset& a : dashboardAssets()) {
    if (a.name == name) {
      return &a;
    }
  }
  return nullptr;
}

std::optional<DashboardReply> dashboardReply(std::string_view path, std::string_view query) {
  constexpr std::string_view kPrefix = "/dashboard/";
  if (path == "/" || path == "/dashboard") {
    DashboardReply r;
    r.status = 302;
    r.headers = "Location: dashboard/\r\n";
    r.headers += kRevalidate;
    return r;
  }
  if (path.substr(0, kPrefix.size()) != kPrefix) {
    return std::nullopt;
  }
  std::string_view name = path.substr(kPrefix.size());
  if (name.empty()) {
    name = "index.html";
  }
  const EmbeddedAsset* asset = findDashboardAsset(name);
  if (asset == nullptr) {
    return std::nullopt;
  }
  DashboardReply r;
  r.content_type = asset->content_type;
  r.body = asset->body;
  r.headers = kSecurityHeaders;
  bool immutable = name != "index.html" && asksForVersion(query, asset->version);
  r.headers += immutable ? kImmutable : kRevalidate;
  return r;
}

}  // namespace pier::observability
