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

}  // namespace pier::observability
