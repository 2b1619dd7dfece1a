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

void LoggedRequest::assign(const http::RequestHead& head, const AccessLogSettings* header_modes,
                           bool with_forwarded_for) {
  method.assign(head.method);
  target.assign(head.target);
  version_minor = head.version_minor;
  const std::string* host_field = head.headers.get("Host");
  host.assign(host_field != nullptr ? std::string_view(*host_field) : std::string_view());
  const std::string* xff = with_forwarded_for ? head.headers.get("X-Forwarded-For") : nullptr;
  has_forwarded_for = xff != nullptr;
  forwarded_for.assign(xff != nullptr ? std::string_view(*xff) : std::string_view());
  headers.fields().clear();
  if (header_modes != nullptr) {
    for (const http::HeaderField& f : head.headers.fields()) {
      if (header_modes->headerMode(f.name) != FieldMode::Drop) {
        headers.fields().push_back(f);
      }
    }
  }
}

}  // namespace pier::observability
