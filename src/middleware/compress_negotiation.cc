#include "middleware/compress_negotiation.h"

#include <algorithm>
#include <charconv>

#include "base/strings.h"
#include "http/header_map.h"

namespace pier::middleware {
namespace {

// A coding the configuration knows, by rank: `*` = -1, the configured index, identity = the
// number of encodings. On equal weight the lower rank wins.
struct Candidate {
  double weight = 1.0;
  int rank = 0;
};

// Ranks the codings this configuration knows; nullopt for the others (they are skipped).
std::optional<int> rankOf(std::string_view name, const EncodingPreferences& prefs) {
  if (name == "*") {
    return -1;
  }
  if (name == "identity") {
    return static_cast<int>(prefs.encodings.size());
  }
  auto e = encodingFromName(name);
  if (!e) {
    return std::nullopt;
  }
  auto it = std::find(prefs.encodings.begin(), prefs.encodings.end(), *e);
  if (it == prefs.encodings.end()) {
    return std::nullopt;
  }
  return static_cast<int>(it - prefs.encodings.begin());
}

// q value of "q=0.5"; a malformed one counts as 0 (not acceptable), as Go's ParseFloat failing.
double parseWeight(std::string_view param) {
  if (!param.starts_with("q=")) {
    return 1.0;
  }
  std::string_view v = param.substr(2);
  double w = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), w);
  if (ec != std::errc() || end != v.data() + v.size()) {
    return 0;
  }
  return w;
}

void parseList(std::string_view value, const EncodingPreferences& prefs,
               std::vector<Candidate>& out) {
  std::string compact;  // spaces are ignored anywhere in the field
  for (char c : value) {
    if (c != ' ') {
      compact += c;
    }
  }
  std::string_view rest = compact;
  while (true) {
    std::size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    std::size_t semi = item.find(';');
    std::string_view name = item.substr(0, semi);
    if (auto rank = rankOf(name, prefs)) {
      double weight = semi == std::string_view::npos ? 1.0 : parseWeight(item.substr(semi + 1));
      if (weight != 0) {
        out.push_back({weight, *rank});
      }
    }
    if (comma == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(comma + 1);
  }
}

bool isToken(std::string_view s) {
  return http::isHttpToken(s);
}

}  // namespace

std::optional<Encoding> negotiateEncoding(const std::vector<std::string_view>& accept_values,
                                          bool present, const EncodingPreferences& prefs) {
  if (!present) {
    // No Accept-Encoding: any coding is acceptable, but Traefik only compresses when a default
    // encoding is configured (clients that send nothing often cannot decode).
    return prefs.default_encoding;
  }
  if (accept_values.size() == 1 && accept_values[0].empty()) {
    return std::nullopt;  // an empty field asks for no coding at all
  }
  std::vector<Candidate> candidates;
  for (std::string_view v : accept_values) {
    parseList(v, prefs, candidates);
  }
  if (candidates.empty()) {
    return std::nullopt;
  }
  const Candidate& best = *std::min_element(
      candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
        return a.weight != b.weight ? a.weight > b.weight : a.rank < b.rank;
      });
  if (best.rank < 0) {  // `*`
    if (prefs.default_encoding) {
      return prefs.default_encoding;
    }
    return prefs.encodings.empty() ? std::nullopt : std::optional(prefs.encodings.front());
  }
  if (static_cast<std::size_t>(best.rank) >= prefs.encodings.size()) {
    return std::nullopt;  // identity
  }
  return prefs.encodings[static_cast<std::size_t>(best.rank)];
}

std::optional<MediaType> parseMediaType(std::string_view value) {
  std::size_t semi = value.find(';');
  std::string_view type = base::trim(value.substr(0, semi));
  std::size_t slash = type.find('/');
  if (!isToken(type.substr(0, slash)) ||
      (slash != std::string_view::npos && !isToken(type.substr(slash + 1)))) {
    return std::nullopt;
  }
  MediaType out;
  out.type = base::toLower(type);
  std::string_view rest = semi == std::string_view::npos ? std::string_view() : value.substr(semi);
  while (!rest.empty()) {
    rest.remove_prefix(1);  // the ';'
    std::size_t next = rest.find(';');
    std::string_view param = base::trim(rest.substr(0, next));
    rest = next == std::string_view::npos ? std::string_view() : rest.substr(next);
    if (param.empty()) {
      continue;  // "text/html;" is tolerated
    }
    std::size_t eq = param.find('=');
    if (eq == std::string_view::npos) {
      return std::nullopt;
    }
    std::string_view name = base::trim(param.substr(0, eq));
    std::string_view val = base::trim(param.substr(eq + 1));
    if (val.size() >= 2 && val.front() == '"' && val.back() == '"') {
      val = val.substr(1, val.size() - 2);
    } else if (!isToken(val)) {
      return std::nullopt;
    }
    if (!isToken(name)) {
      return std::nullopt;
    }
    std::string key = base::toLower(name);
    for (const auto& p : out.params) {
      if (p.first == key) {
        return std::nullopt;  // a repeated parameter is an error
      }
    }
    out.params.emplace_back(std::move(key), std::string(val));
  }
  return out;
}

bool mediaTypeMatches(const MediaType& configured, const MediaType& actual) {
  if (configured.type != actual.type) {
    return false;
  }
  if (configured.params.empty()) {
    return true;
  }
  if (configured.params.size() != actual.params.size()) {
    return false;
  }
  for (const auto& p : configured.params) {
    auto it = std::find_if(actual.params.begin(), actual.params.end(),
                           [&](const auto& a) { return a.first == p.first; });
    if (it == actual.params.end() || it->second != p.second) {
      return false;
    }
  }
  return true;
}

}  // namespace pier::middleware
