// HTTP status codes and their standard reason phrases (RFC 9110 §15 plus common extensions).
// Thread: any.
#pragma once

#include <string_view>

namespace pier::http {

/// Reason phrase for `status` ("Not Found"), including 421, 431 and Traefik's 499
/// ("Client Closed Request"); empty for unknown codes.
std::string_view reasonPhrase(int status);

}  // namespace pier::http
