// PROXY protocol headers (HAProxy's v1 text and v2 binary formats) that tell a TCP backend who
// the real client is (spec D.6 proxyProtocol). Pure: the caller passes the two socket addresses.
#pragma once

#include <sys/socket.h>

#include <string>

namespace pier::net {

// `source` is the client's address, `destination` the address the client connected to. Returns
// an empty string for a version other than 1 or 2. Mixed or non-IP families give v1
// "PROXY UNKNOWN" / v2 LOCAL, as the format prescribes.
std::string proxyProtocolHeader(int version, const sockaddr* source, const sockaddr* destination);

}  // namespace pier::net
