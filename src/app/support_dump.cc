#include "app/support_dump.h"

#include <array>
#include <string_view>

#include "app/api_object_parts.h"
#include "base/strings.h"

namespace pier::app {
namespace {

constexpr const char* kMask = "xxxx";
constexpr const char* kLongMask = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";  // a URL, as Traefik

bool namesSecret(std::string_view key) {
  static constexpr std::array<std::string_view, 10> kWords = {
      "password",   "secret",        "token", "key",     "users",
      "credential", "authorization", "email", "private", "hmac"};
  std::string lower = base::toLower(key);
  for (std::string_view w : kWords) {
    if (lower.find(w) != std::string::npos) {
      return true;
    }
  }
  return false;
}

// Every value below a secret key: strings masked, lists keep their length, maps emptied.
void maskAll(ordered_json& j) {
  if (j.is_array()) {
    for (auto& item : j) {
      item = item.is_structured() ? ordered_json::object() : ordered_json(kMask);
    }
  } else if (j.is_object()) {
    j = ordered_json::object();
  } else if (!j.is_null()) {
    j = kMask;
  }
}

// "scheme://user:pass@host/..." -> "scheme://xxxx@host/..."; no change without credentials.
std::string withoutUrlCredentials(const std::string& s) {
  std::size_t scheme = s.find("://");
  if (scheme == std::string::npos) {
    return s;
  }
  std::size_t start = scheme + 3;
  std::size_t end = s.find_first_of("/?#", start);
  std::size_t at = s.rfind('@', end == std::string::npos ? s.size() : end);
  if (at == std::string::npos || at < start) {
    return s;
  }
  return s.substr(0, start) + kMask + s.substr(at);
}

void redact(ordered_json& j, bool mask_urls);

// A map keyed by object names (routers, entry points...): names are not checked, only values.
void redactNamed(ordered_json& j, bool mask_urls) {
  if (!j.is_object()) {
    redact(j, mask_urls);
    return;
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    redact(it.value(), mask_urls);
  }
}

// Static configuration maps whose keys are names the user chose.
bool keyedByNames(std::string_view key) {
  return base::iequals(key, "entryPoints") || base::iequals(key, "certificatesResolvers");
}

void redact(ordered_json& j, bool mask_urls) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (namesSecret(it.key())) {
        maskAll(it.value());
      } else if (keyedByNames(it.key())) {
        redactNamed(it.value(), mask_urls);
      } else {
        redact(it.value(), mask_urls);
      }
    }
  } else if (j.is_array()) {
    for (auto& item : j) {
      redact(item, mask_urls);
    }
  } else if (j.is_string()) {
    const std::string& s = j.get_ref<const std::string&>();
    if (s.find("-----BEGIN") != std::string::npos) {
      j = kMask;
    } else if (mask_urls && s.find("://") != std::string::npos) {
      j = kLongMask;
    } else {
      j = withoutUrlCredentials(s);
    }
  }
}

// rawdata: sections ("routers", ...) of objects keyed by their names.
ordered_json redactRuntime(ordered_json doc) {
  for (auto section = doc.begin(); section != doc.end(); ++section) {
    redactNamed(section.value(), false);
  }
  return doc;
}

}  // namespace

ordered_json redactSecrets(ordered_json doc, bool mask_urls) {
  redact(doc, mask_urls);
  return doc;
}

std::vector<observability::ArchiveFile> supportDumpFiles(const config::StaticConfig& st,
                                                         const ordered_json& rawdata,
                                                         const std::string& version,
                                                         const std::string& start_date) {
  ordered_json v = {{"version", version}, {"codename", "pier"}, {"startDate", start_date}};
  ordered_json static_config = st.source.isNull() ? ordered_json::object() : nodeJson(st.source);
  return {
      {"version.json", v.dump()},
      {"static-config.json", redactSecrets(std::move(static_config), true).dump()},
      {"runtime-config.json", redactRuntime(rawdata).dump()},
  };
}

}  // namespace pier::app
