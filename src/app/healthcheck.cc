#include "app/healthcheck.h"

#include <curl/curl.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

namespace pier::app {
namespace {

// The address as configured, with an empty host meaning this machine (":8080" -> 127.0.0.1).
std::string pingUrl(const config::ListenAddress& address) {
  std::string host = address.host.empty() ? "127.0.0.1" : address.host;
  if (host == "0.0.0.0") {
    host = "127.0.0.1";
  } else if (host == "::") {
    host = "[::1]";
  } else if (host.find(':') != std::string::npos) {
    host = "[" + host + "]";
  }
  return "http://" + host + ":" + std::to_string(address.port) + "/ping";
}

std::vector<std::string> readNulSeparated(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (all[i] == '\0') {
      out.push_back(all.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

}  // namespace

std::optional<Invocation> runningProxyInvocation(int pid) {
  std::string base = "/proc/" + std::to_string(pid) + "/";
  std::vector<std::string> argv = readNulSeparated(base + "cmdline");
  if (argv.empty()) {
    return std::nullopt;
  }
  std::string exe =
      argv[0].substr(argv[0].rfind('/') == std::string::npos ? 0 : argv[0].rfind('/') + 1);
  if (exe != "pier" && exe != "traefik") {
    return std::nullopt;
  }
  Invocation inv;
  inv.args.assign(argv.begin() + 1, argv.end());
  if (!inv.args.empty() && inv.args[0] == "run") {
    inv.args.erase(inv.args.begin());
  }
  for (const std::string& kv : readNulSeparated(base + "environ")) {
    std::size_t eq = kv.find('=');
    if (eq != std::string::npos) {
      inv.env.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    }
  }
  return inv;
}

int runHealthcheck(const config::StaticConfig& config, bool ping_optional) {
  if (!config.ping && ping_optional) {
    std::printf("OK: the proxy is running (ping is not enabled; enable it for a real check)\n");
    return 0;
  }
  if (!config.ping) {
    std::printf("Please enable `ping` to use health check.\n");
    return 1;
  }
  auto ep = config.entry_points.find(config.ping->entry_point);
  if (ep == config.entry_points.end()) {
    std::printf("Error calling healthcheck: ping entry point \"%s\" does not exist\n",
                config.ping->entry_point.c_str());
    return 1;
  }
  std::string url = pingUrl(ep->second.address);
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    std::printf("Error calling healthcheck: cannot initialise libcurl\n");
    return 1;
  }
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);  // HEAD, as Traefik's health check
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) {
    std::printf("Error calling healthcheck: %s\n", curl_easy_strerror(rc));
    return 1;
  }
  if (status != 200) {
    std::printf("Bad healthcheck status: %ld\n", status);
    return 1;
  }
  std::printf("OK: %s\n", url.c_str());
  return 0;
}

}  // namespace pier::app
