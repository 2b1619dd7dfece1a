// The middleware half of ClientConnection: runs a router's chain between routing and forwarding,
// and sends the answer when a middleware gives one (see client_connection.h).
#include "base/log.h"
#include "proxy/client_connection.h"
#include "tls/session.h"

namespace pier::proxy {

bool ClientConnection::runRequestMiddlewares(const middleware::Chain& chain,
                                             http::RequestHead& head) {
  middleware::RequestContext ctx{head, peer_, tls_terminated_, {}, false, {}, {}, {}};
  if (tls_terminated_) {
    ctx.peer_certificates_pem = [this] {
      tls::Session* session = tlsSession();
      return session != nullptr ? session->peerCertificatesPem() : std::vector<std::string>();
    };
  }
  middleware::Verdict verdict = ex_.chain_run.runRequest(chain, ctx);
  if (verdict == middleware::Verdict::Continue) {
    ex_.buffers.request = ctx.buffer_request;  // buffering middleware (client_body_filter.cc)
    return true;
  }
  if (verdict == middleware::Verdict::Suspend) {
    // No kind suspends yet; a future one must be wired here before it is registered.
    answerLocally(renderLocalReply(LocalReply::InternalError, false, ex_.head_request), false);
    return false;
  }
  middleware::LocalAnswer& answer = ctx.answer;
  answer.headers.remove("Content-Length");  // renderSimple writes the real one
  std::string extra;
  for (const http::HeaderField& f : answer.headers) {
    extra += f.name;
    extra += ": ";
    extra += f.value;
    extra += "\r\n";
  }
  answerLocally(renderSimple(answer.status, {}, answer.body, extra, close_after_, ex_.head_request),
                false);
  return false;
}

}  // namespace pier::proxy
