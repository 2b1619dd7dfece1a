#include "middleware/redirect_answer.h"

#include "http/status.h"

namespace pier::middleware {

Verdict answerRedirect(RequestContext& ctx, std::string_view location, bool permanent,
                       int forced_status) {
  bool get = ctx.head.method == "GET";
  int status = permanent ? (get ? 301 : 308) : (get ? 302 : 307);
  if (forced_status != 0) {
    status = forced_status;
  }
  ctx.answer.status = status;
  ctx.answer.headers.clear();
  ctx.answer.headers.set("Location", location);
  // Go sniffs the text body it writes: text/plain.
  ctx.answer.headers.set("Content-Type", "text/plain; charset=utf-8");
  ctx.answer.body.assign(http::reasonPhrase(status));
  return Verdict::Answer;
}

void splitHostPort(std::string_view authority, std::string_view& host, std::string_view& port) {
  host = authority;
  port = {};
  if (authority.starts_with('[')) {
    std::size_t close = authority.find(']');
    if (close != std::string_view::npos && close + 1 < authority.size() &&
        authority[close + 1] == ':') {
      host = authority.substr(0, close + 1);
      port = authority.substr(close + 1);
    }
    return;
  }
  std::size_t colon = authority.find(':');
  if (colon != std::string_view::npos && authority.find(':', colon + 1) == std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon);
  }
}

}  // namespace pier::middleware
