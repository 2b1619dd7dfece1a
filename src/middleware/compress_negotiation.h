// The pure decisions of the compress middleware (spec E.6): which encoding an Accept-Encoding
// asks for, and whether a Content-Type is in a configured list. No I/O, unit-tested directly.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "middleware/compress_codec.h"

namespace pier::middleware {

struct EncodingPreferences {
  std::vector<Encoding> encodings;           // configured order = preference on equal q
  std::optional<Encoding> default_encoding;  // for `*` and for requests without Accept-Encoding
};

// The encoding to use, or nullopt for none. `accept_values` are the request's Accept-Encoding
// field values in order; `present` tells an absent header from an empty one. As Traefik: absent
// header -> the default encoding (if any); one empty value -> none; otherwise the highest q
// wins (q=0 and unknown codings are dropped), ties go to `*` first, then the configured order,
// `identity` last; `*` means the default encoding, or the first configured one.
std::optional<Encoding> negotiateEncoding(const std::vector<std::string_view>& accept_values,
                                          bool present, const EncodingPreferences& prefs);

// A parsed media type: lower-case type/subtype and parameters (lower-case names).
struct MediaType {
  std::string type;
  std::vector<std::pair<std::string, std::string>> params;
};

// nullopt when `value` is not a valid media type (no compression then, as Traefik).
std::optional<MediaType> parseMediaType(std::string_view value);
// A configured type matches when the types are equal and, if it has parameters, the actual one
// has exactly the same parameters.
bool mediaTypeMatches(const MediaType& configured, const MediaType& actual);

}  // namespace pier::middleware
