// TCP middlewares (spec E, `tcp.middlewares`): checks made once per connection when a TCP router
// has been chosen, before Pier dials the server. Built once per configuration on the control
// thread and shared by every worker, like the HTTP kinds.
//
// Why a separate interface rather than HTTP's Middleware: a TCP middleware sees no request, only
// the client's address, and its only answer is to close the connection; sharing the HTTP
// interface would put a request head, answers and response hooks in front of code that has
// none of them.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/ip_address.h"
#include "base/result.h"
#include "config/dynamic_model.h"
#include "middleware/options.h"

namespace pier::middleware {

class TcpMiddleware {
 public:
  virtual ~TcpMiddleware() = default;
  const std::string& name() const { return name_; }
  virtual std::string_view kind() const = 0;

  // May a new connection from `peer` use the route? A kind that counts connections
  // (holdsSlot()) takes a slot when it says yes; the proxy calls release(peer) exactly once
  // when that connection ends.
  virtual bool admit(const base::IpAddress& peer) const = 0;
  virtual bool holdsSlot() const { return false; }
  virtual void release(const base::IpAddress&) const {}

 protected:
  explicit TcpMiddleware(std::string name) : name_(std::move(name)) {}

 private:
  std::string name_;
};

using TcpMiddlewarePtr = std::shared_ptr<const TcpMiddleware>;
using TcpFactory = Result<TcpMiddlewarePtr> (*)(const BuildContext&);

// nullptr for kinds that are not TCP middlewares.
TcpFactory findTcpFactory(std::string_view kind);

// Builds each referenced TCP middleware once per configuration; a broken one fails only the
// routers that use it, each with the same message.
class TcpMiddlewareSet {
 public:
  explicit TcpMiddlewareSet(const std::map<std::string, config::Middleware>& definitions)
      : defs_(definitions) {}
  Result<std::vector<TcpMiddlewarePtr>> listFor(const std::vector<std::string>& qualified_refs);

 private:
  Result<TcpMiddlewarePtr> build(const std::string& name);

  const std::map<std::string, config::Middleware>& defs_;
  std::map<std::string, Result<TcpMiddlewarePtr>> built_;
};

// Runs the route's TCP middlewares for a new connection. On true, the slots taken are appended
// to `held` (release them with releaseTcpSlots when the connection ends); on false, nothing is
// held and the name of the middleware that refused is in `refused_by`.
bool admitTcpConnection(const std::vector<TcpMiddlewarePtr>& middlewares,
                        const base::IpAddress& peer, std::vector<TcpMiddlewarePtr>& held,
                        std::string& refused_by);
void releaseTcpSlots(std::vector<TcpMiddlewarePtr>& held, const base::IpAddress& peer);

}  // namespace pier::middleware
