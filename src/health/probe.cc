#include "health/probe.h"

#include "base/strings.h"

namespace pier::health {
namespace {

// The path (and query) of a server URL as configured: "http://h:1/a/b?q" -> "/a/b?q".
std::string_view serverPathOf(std::string_view url) {
  std::size_t scheme = url.find("://");
  std::size_t from = scheme == std::string_view::npos ? 0 : scheme + 3;
  std::size_t path = url.find_first_of("/?#", from);
  if (path == std::string_view::npos) {
    return {};
  }
  std::string_view rest = url.substr(path);
  if (std::size_t hash = rest.find('#'); hash != std::string_view::npos) {
    rest = rest.substr(0, hash);
  }
  return rest;
}

}  // namespace

Result<std::string> probeUrl(const runtime::HealthCheckSpec& check,
                             const runtime::ServerSpec& server) {
  std::string_view ref = check.path;
  if (std::size_t hash = ref.find('#'); hash != std::string_view::npos) {
    ref = ref.substr(0, hash);
  }
  std::size_t colon = ref.find(':');
  bool has_scheme = colon != std::string_view::npos && colon < ref.find_first_of("/?");
  if (has_scheme || ref.starts_with("//")) {
    return fail(
        Error::config("health check path must be a relative URL, got \"" + check.path + "\""));
  }
  // RFC 3986 §5.2 for the shapes a health path takes: absolute path, query only, empty,
  // or a path relative to the server URL's directory.
  std::string_view base = serverPathOf(server.url);
  std::string_view base_path = base.substr(0, base.find('?'));
  std::string target;
  if (ref.empty()) {
    target = std::string(base);
  } else if (ref.front() == '/') {
    target = std::string(ref);
  } else if (ref.front() == '?') {
    target = std::string(base_path) + std::string(ref);
  } else {
    std::size_t slash = base_path.rfind('/');
    target = (slash == std::string_view::npos ? std::string("/")
                                              : std::string(base_path.substr(0, slash + 1))) +
             std::string(ref);
  }
  if (target.empty() || target.front() != '/') {
    target.insert(target.begin(), '/');
  }
  std::string scheme = check.scheme.empty() ? (server.https ? "https" : "http") : check.scheme;
  if (scheme == "h2c") {
    scheme = "http";
  }
  int port = check.port != 0 ? check.port : server.port;
  std::string host =
      server.host.find(':') != std::string::npos ? "[" + server.host + "]" : server.host;
  return scheme + "://" + host + ":" + std::to_string(port) + target;
}

bool statusHealthy(int expected, long code) {
  if (expected == 0) {
    return code >= 200 && code < 400;
  }
  return code == expected;
}

std::string statusProblem(int expected, long code) {
  if (statusHealthy(expected, code)) {
    return {};
  }
  std::string why = "received status code " + std::to_string(code);
  if (expected != 0) {
    why += ", expected " + std::to_string(expected);
  }
  return why;
}

std::chrono::milliseconds probeInterval(const runtime::HealthCheckSpec& check, bool up) {
  return up ? check.interval : check.unhealthy_interval;
}

}  // namespace pier::health
