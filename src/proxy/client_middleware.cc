// The middleware half of ClientConnection: runs a router's chain between routing and forwarding,
// and sends the answer when a middleware gives one (see client_connection.h).
#include "base/log.h"
#include "proxy/client_connection.h"
#include "tls/session.h"

namespace pier::proxy {

bool ClientConnection::runRequestMiddlewares(const middleware::Chain& chain,
                                             http::RequestHead& head, const http::BodyInfo& body,
                                             const runtime::ServiceSpec& service) {
  if (chain.maySuspend()) {
    runSuspendableChain(chain, head, body, service);  // client_async.cc
    return false;
  }
  middleware::RequestContext ctx{.head = head, .peer = peer_, .tls = tls_terminated_};
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
    // Only kinds that say maySuspend() may suspend; those chains take the path above.
    answerLocally(renderLocalReply(LocalReply::InternalError, false, ex_.head_request), false);
    return false;
  }
  sendMiddlewareAnswer(ctx.answer, false);
  return false;
}

void ClientConnection::sendMiddlewareAnswer(middleware::LocalAnswer& answer, bool close_after) {
  answer.headers.remove("Content-Length");  // renderSimple writes the real one
  std::string extra;
  for (const http::HeaderField& f : answer.headers) {
    extra += f.name;
    extra += ": ";
    extra += f.value;
    extra += "\r\n";
  }
  answerLocally(renderSimple(answer.status, {}, answer.body, extra, close_after_ || close_after,
                             ex_.head_request),
                close_after);
}

}  // namespace pier::proxy
