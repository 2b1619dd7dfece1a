#include "proxy/listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "proxy/client_connection.h"
#include "proxy/worker_context.h"

namespace pier::proxy {
namespace {

constexpr int kBacklog = 4096;

Result<int> bindOne(const std::string& entry_point, const sockaddr_storage& addr, socklen_t len) {
  int fd = ::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return fail(
        Error::environment("entry point " + entry_point + ": socket: " + std::strerror(errno)));
  }
  int one = 1;
  int zero = 0;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  if (addr.ss_family == AF_INET6) {
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
  }
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), len) != 0) {
    std::string why = std::strerror(errno);
    ::close(fd);
    return fail(Error::environment("entry point " + entry_point + ": cannot bind: " + why));
  }
  return fd;
}

}  // namespace

Result<BoundSockets> bindReusePort(const std::string& entry_point, const std::string& host,
                                   int port, std::size_t count) {
  sockaddr_storage addr{};
  socklen_t len = 0;
  std::string h = host;
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') {
    h = h.substr(1, h.size() - 2);
  }
  auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
  if (h.empty()) {
    v6->sin6_family = AF_INET6;
    v6->sin6_addr = in6addr_any;
    v6->sin6_port = htons(static_cast<std::uint16_t>(port));
    len = sizeof(sockaddr_in6);
  } else if (inet_pton(AF_INET, h.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<std::uint16_t>(port));
    len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, h.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<std::uint16_t>(port));
    len = sizeof(sockaddr_in6);
  } else if (h == "localhost") {
    v4->sin_family = AF_INET;
    v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    v4->sin_port = htons(static_cast<std::uint16_t>(port));
    len = sizeof(sockaddr_in);
  } else {
    return fail(Error::config("entry point " + entry_point + ": address host \"" + host +
                              "\" is not an IP address (expected e.g. :80, 0.0.0.0:80, [::]:443)"));
  }
  BoundSockets out;
  out.entry_point = entry_point;
  for (std::size_t i = 0; i < count; ++i) {
    auto fd = bindOne(entry_point, addr, len);
    if (!fd) {
      for (int open_fd : out.fds)
        ::close(open_fd);
      return fail(fd.error());
    }
    if (i == 0) {
      // With port 0 the kernel picks a port; every other worker must bind that same one.
      sockaddr_storage bound{};
      socklen_t blen = sizeof bound;
      ::getsockname(*fd, reinterpret_cast<sockaddr*>(&bound), &blen);
      out.port = bound.ss_family == AF_INET
                     ? ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port)
                     : ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
      if (addr.ss_family == AF_INET) {
        v4->sin_port = htons(static_cast<std::uint16_t>(out.port));
      } else {
        v6->sin6_port = htons(static_cast<std::uint16_t>(out.port));
      }
    }
    out.fds.push_back(*fd);
  }
  return out;
}

Result<Listener*> Listener::start(WorkerContext& ctx, int fd, const EntryPointSettings& ep) {
  auto* l = new Listener(ctx, ep);
  uv_tcp_init(ctx.loop(), &l->tcp_);
  l->tcp_.data = l;
  int rc = uv_tcp_open(&l->tcp_, fd);
  if (rc == 0) {
    rc = uv_listen(reinterpret_cast<uv_stream_t*>(&l->tcp_), kBacklog, &Listener::connectionCb);
  }
  if (rc != 0) {
    l->close();
    return fail(Error::environment("entry point " + ep.name + ": listen: " + uv_strerror(rc)));
  }
  ctx.addListener(l);
  return l;
}

void Listener::close() {
  if (closing_) {
    return;
  }
  closing_ = true;
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), &Listener::closedCb);
}

void Listener::connectionCb(uv_stream_t* server, int status) {
  auto* self = static_cast<Listener*>(server->data);
  if (status != 0 || self->closing_) {
    return;
  }
  ClientConnection::accept(self->ctx_, server, self->ep_);
}

void Listener::closedCb(uv_handle_t* handle) {
  delete static_cast<Listener*>(handle->data);
}

}  // namespace pier::proxy
