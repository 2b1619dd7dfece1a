#include "observability/exchange_record.h"

namespace pier::observability {

void ExchangeRecord::noteLocalReply(std::string_view response) {
  // "HTTP/1.1 NNN ..."
  if (response.size() >= 12) {
    int code = 0;
    for (std::size_t i = 9; i < 12; ++i) {
      char c = response[i];
      code = c >= '0' && c <= '9' ? code * 10 + (c - '0') : -1000;
    }
    if (code > 0) {
      status = code;
    }
  }
  std::size_t end = response.find("\r\n\r\n");
  if (end != std::string_view::npos) {
    response_bytes += response.size() - (end + 4);
  }
}

void ExchangeRecord::keepRequest(const http::RequestHead& head, const AccessLogSettings& settings) {
  LoggedRequest& r = request.emplace();
  r.method = head.method;
  r.target = head.target;
  r.version_minor = head.version_minor;
  if (const std::string* host = head.headers.get("Host")) {
    r.host = *host;
  }
  if (const std::string* xff = head.headers.get("X-Forwarded-For")) {
    r.forwarded_for = *xff;
    r.has_forwarded_for = true;
  }
  if (settings.anyHeaderKept()) {
    for (const http::HeaderField& f : head.headers.fields()) {
      if (settings.headerMode(f.name) != FieldMode::Drop) {
        r.headers.fields().push_back(f);
      }
    }
  }
}

}  // namespace pier::observability
