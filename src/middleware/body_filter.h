// A per-exchange transformation of a response body. A middleware returns one from its response
// phase (Middleware::bodyFilter); the proxy then feeds it the body as it arrives from the backend
// and sends what it produces. compress uses it to encode, buffering to hold the whole response.
//
// The filter may keep the response head back (State::Holding) until it has seen enough body to
// decide, e.g. compress waits for minResponseBodyBytes when there is no Content-Length. While the
// head is held the filter may edit it; once it is sent it is final.
// Thread: the exchange's worker. Owned by the proxy for one exchange.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "http/message.h"

namespace pier::middleware {

class BodyFilter {
 public:
  enum class State : std::uint8_t {
    Holding,    // keep the head back: the filter needs more body to decide
    Transform,  // the body is rewritten: its length is unknown, the proxy sends it chunked
    Pass,       // the body goes on unchanged (after Holding, the held bytes are in `out`)
    Reject,     // the response must not reach the client: 500 if the head is still held
  };

  virtual ~BodyFilter() = default;
  // The head after every response hook; called once, before any body.
  virtual State start(http::ResponseHead& head) = 0;
  // Body bytes from the backend; appends what goes to the client to `out`. `head` is the held
  // head (editable) while the state was Holding.
  virtual State write(std::string_view data, http::ResponseHead& head, std::string& out) = 0;
  // The backend's body ended: appends the rest to `out`. Never returns Holding.
  virtual State finish(http::ResponseHead& head, std::string& out) = 0;
};

}  // namespace pier::middleware
