// The files of /api/support-dump, as Traefik's: version.json, static-config.json (the static
// configuration as it was given) and runtime-config.json (the /api/rawdata document), with
// secrets masked. Traefik keeps only the static fields it marks exportable; Pier masks by name
// instead: values under keys that name a secret (password, secret, token, key, users,
// credential, authorization, email, private, hmac), inline PEM blocks, credentials inside URLs,
// and in the static configuration every URL (Traefik masks URLs there too). Masked strings
// become "xxxx"; masked lists keep their length; masked maps become empty.
// Thread: control loop.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/static_config.h"
#include "observability/tar_gzip.h"

namespace pier::app {

std::vector<observability::ArchiveFile> supportDumpFiles(const config::StaticConfig& st,
                                                         const nlohmann::ordered_json& rawdata,
                                                         const std::string& version,
                                                         const std::string& start_date);

// `doc` with the secrets above masked; `mask_urls`: every string holding a URL becomes a mask.
nlohmann::ordered_json redactSecrets(nlohmann::ordered_json doc, bool mask_urls);

}  // namespace pier::app
