#include "middleware/tcp_middleware.h"

#include "base/strings.h"
#include "middleware/tcp_in_flight_conn.h"
#include "middleware/tcp_ip_allow_list.h"

namespace pier::middleware {
namespace {

struct TcpEntry {
  std::string_view kind;
  TcpFactory factory;
};

constexpr TcpEntry kTcpFactories[] = {
    {"inFlightConn", makeTcpInFlightConn},
    {"ipAllowList", makeTcpIpAllowList},
    {"ipWhiteList", makeTcpIpAllowList},  // the deprecated name, same options
};

std::string providerOf(std::string_view name) {
  std::size_t at = name.rfind('@');
  return at == std::string_view::npos ? std::string() : std::string(name.substr(at + 1));
}

}  // namespace

TcpFactory findTcpFactory(std::string_view kind) {
  for (const TcpEntry& e : kTcpFactories) {
    if (base::iequals(e.kind, kind)) {
      return e.factory;
    }
  }
  return nullptr;
}

Result<std::vector<TcpMiddlewarePtr>> TcpMiddlewareSet::listFor(
    const std::vector<std::string>& qualified_refs) {
  std::vector<TcpMiddlewarePtr> out;
  for (const std::string& ref : qualified_refs) {
    auto it = built_.find(ref);
    if (it == built_.end()) {
      it = built_.emplace(ref, build(ref)).first;
    }
    if (!it->second) {
      return fail(it->second.error());
    }
    out.push_back(*it->second);
  }
  return out;
}

Result<TcpMiddlewarePtr> TcpMiddlewareSet::build(const std::string& name) {
  auto def = defs_.find(name);
  if (def == defs_.end()) {
    return fail(Error::config("TCP middleware \"" + name + "\" does not exist"));
  }
  const config::Middleware& m = def->second;
  TcpFactory factory = findTcpFactory(m.type);
  if (factory == nullptr) {
    return fail(Error::config("TCP middleware \"" + name + "\": unknown kind \"" + m.type +
                              "\" (expected inFlightConn or ipAllowList)"));
  }
  BuildContext b{name, providerOf(name), m.type, m.options};
  return factory(b);
}

bool admitTcpConnection(const std::vector<TcpMiddlewarePtr>& middlewares,
                        const base::IpAddress& peer, std::vector<TcpMiddlewarePtr>& held,
                        std::string& refused_by) {
  std::size_t first_new = held.size();
  for (const TcpMiddlewarePtr& m : middlewares) {
    if (!m->admit(peer)) {
      // Give back what this connection took from the earlier middlewares of the list.
      for (std::size_t i = first_new; i < held.size(); ++i) {
        held[i]->release(peer);
      }
      held.resize(first_new);
      refused_by = m->name();
      return false;
    }
    if (m->holdsSlot()) {
      held.push_back(m);
    }
  }
  return true;
}

void releaseTcpSlots(std::vector<TcpMiddlewarePtr>& held, const base::IpAddress& peer) {
  for (const TcpMiddlewarePtr& m : held) {
    m->release(peer);
  }
  held.clear();
}

}  // namespace pier::middleware
