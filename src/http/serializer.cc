#include "http/serializer.h"

#include "http/status.h"

namespace pier::http {
namespace {

void appendInt(std::string& out, int v) {
  char buf[12];
  int n = 0;
  unsigned u = v < 0 ? 0u : static_cast<unsigned>(v);
  do {
    buf[n++] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0 && n < 11);
  while (n > 0) {
    out.push_back(buf[--n]);
  }
}

void appendFields(std::string& out, const HeaderMap& headers) {
  for (const HeaderField& f : headers) {
    if (!isHttpToken(f.name)) {
      continue;
    }
    out.append(f.name);
    out.append(": ");
    for (char c : f.value) {
      out.push_back(c == '\r' || c == '\n' || c == '\0' ? ' ' : c);
    }
    out.append("\r\n");
  }
  out.append("\r\n");
}

}  // namespace

void appendRequestHead(std::string& out, std::string_view method, std::string_view target,
                       const HeaderMap& headers) {
  out.append(method);
  out.push_back(' ');
  out.append(target);
  out.append(" HTTP/1.1\r\n");
  appendFields(out, headers);
}

void appendResponseHead(std::string& out, int status, std::string_view reason, int version_minor,
                        const HeaderMap& headers) {
  out.append(version_minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ");
  appendInt(out, status);
  out.push_back(' ');
  out.append(reason.empty() ? reasonPhrase(status) : reason);
  out.append("\r\n");
  appendFields(out, headers);
}

void appendChunk(std::string& out, std::string_view data) {
  if (data.empty()) {
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  char buf[16];
  int n = 0;
  for (std::size_t size = data.size(); size != 0; size >>= 4) {
    buf[n++] = kHex[size & 0xf];
  }
  while (n > 0) {
    out.push_back(buf[--n]);
  }
  out.append("\r\n");
  out.append(data);
  out.append("\r\n");
}

void appendLastChunk(std::string& out) {
  out.append("0\r\n\r\n");
}

}  // namespace pier::http
