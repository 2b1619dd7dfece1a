// Serializes HTTP/1.1 message heads and chunked framing by appending to a std::string.
// Thread: any. Field values containing CR or LF have them replaced by spaces and fields whose
// name is not a token are skipped, so a header set by configuration can never split the message.
#pragma once

#include <string>
#include <string_view>

#include "http/header_map.h"

namespace pier::http {

/// "METHOD target HTTP/1.1\r\n" + fields + "\r\n" (the upstream request line is always HTTP/1.1).
void appendRequestHead(std::string& out, std::string_view method, std::string_view target,
                       const HeaderMap& headers);
/// "HTTP/1.<version_minor> <status> <reason>\r\n" + fields + "\r\n"; an empty `reason` is
/// replaced by reasonPhrase(status).
void appendResponseHead(std::string& out, int status, std::string_view reason, int version_minor,
                        const HeaderMap& headers);
/// One chunk: hex size, CRLF, data, CRLF. Empty `data` appends nothing (it would end the body).
void appendChunk(std::string& out, std::string_view data);
/// The last chunk without trailers: "0\r\n\r\n".
void appendLastChunk(std::string& out);

}  // namespace pier::http
