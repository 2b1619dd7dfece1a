// Request-target normalization (spec G.6 steps 2-5) and host canonicalisation (spec C.2).
// Thread: any; pure functions.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace pier::http {

struct NormalizedTarget {
  /// What is forwarded: %-encodings of unreserved characters decoded, other hex upper-cased,
  /// dot segments resolved and `//` collapsed when sanitizing. Starts with '/' (or is "*").
  std::string path;
  /// What matchers see (spec C.2, C1.6): `path` with every %-encoding decoded except those of
  /// reserved characters (`:/?#[]@!$&'()*+,;=` and `%`), so `/foo%20bar` → `/foo bar` while
  /// `/foo%2Fbar` keeps its `%2F`.
  std::string routing_path;
  /// Query without '?': `;` rewritten to `&`, or to `%3B` with encode_query_semicolons.
  std::string query;
  /// Authority of an absolute-form target (`http://a.com:8000/x` → `a.com:8000`), else empty.
  /// RFC 9112 §3.2.2: it replaces the Host header.
  std::string authority;
};

/// Errors (ErrorSource::Downstream, answer 400): `#` anywhere in the target, a truncated or
/// non-hex `%`, a target that is neither origin-form, absolute-form (http/https) nor `*`.
Result<NormalizedTarget> normalizeTarget(std::string_view target, bool sanitize_path,
                                         bool encode_query_semicolons);

/// Resolves `.`/`..` segments and collapses repeated `/` (RFC 3986 §5.2.4, §6.2.2.3); keeps a
/// trailing slash. `path` starts with '/'.
std::string sanitizePath(std::string_view path);

/// Host facts for matching: trimmed, lower-case, port removed (`[::1]:80` → `::1`), trailing dot
/// removed. Empty in, empty out.
std::string canonicalHost(std::string_view host_header);

}  // namespace pier::http
