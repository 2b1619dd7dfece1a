#include "app/healthcheck.h"

#include <curl/curl.h>

#include <cstdio>
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

}  // namespace

int runHealthcheck(const config::StaticConfig& config) {
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
