#include "providers/docker/engine_client.h"

#include <utility>

#include "base/log.h"

namespace pier::providers::docker {
namespace {

std::string envOr(const std::map<std::string, std::string>& env, const char* key) {
  auto it = env.find(key);
  return it != env.end() ? it->second : std::string();
}

// filters={"type":["container","network"]}, percent-encoded.
constexpr const char* kEventsPath =
    "/events?filters=%7B%22type%22%3A%5B%22container%22%2C%22network%22%5D%7D";

Error httpError(const std::string& path, const HttpResponse& r) {
  return Error::upstream("GET " + path + ": HTTP " + std::to_string(r.status) + ": " +
                         errorMessageFromBody(r.body));
}

}  // namespace

EngineSettings engineSettingsFrom(const config::DockerProvider& p,
                                  const std::map<std::string, std::string>& env) {
  EngineSettings s;
  s.endpoint = p.endpoint;
  s.username = p.username;
  s.password = p.password;
  if (p.tls) {
    s.tls = HttpTls{p.tls->ca, p.tls->cert, p.tls->key, p.tls->insecure_skip_verify};
  }
  auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(p.http_client_timeout);
  s.http_client_timeout = timeout.count() > 0 ? timeout : std::chrono::milliseconds(0);
  if (std::string host = envOr(env, "DOCKER_HOST"); !host.empty()) {
    s.endpoint = host;
  }
  s.api_version = envOr(env, "DOCKER_API_VERSION");
  if (std::string certs = envOr(env, "DOCKER_CERT_PATH"); !certs.empty()) {
    // As the Docker client does: TLS with these files; verification only with DOCKER_TLS_VERIFY.
    s.tls = HttpTls{certs + "/ca.pem", certs + "/cert.pem", certs + "/key.pem",
                    envOr(env, "DOCKER_TLS_VERIFY").empty()};
  }
  return s;
}

Result<EngineEndpoint> resolveEndpoint(const EngineSettings& settings) {
  const std::string& ep = settings.endpoint;
  auto rest = [&](std::string_view scheme) { return ep.substr(scheme.size()); };
  EngineEndpoint out;
  if (ep.rfind("unix://", 0) == 0) {
    out.unix_socket = rest("unix://");
    if (out.unix_socket.empty()) {
      return fail(Error::config("providers.docker.endpoint: \"" + ep + "\" names no socket path"));
    }
    out.base_url = "http://localhost";
    return out;
  }
  std::string hostport;
  bool https = settings.tls.has_value();
  if (ep.rfind("tcp://", 0) == 0) {
    hostport = rest("tcp://");
  } else if (ep.rfind("http://", 0) == 0) {
    hostport = rest("http://");
  } else if (ep.rfind("https://", 0) == 0) {
    hostport = rest("https://");
    https = true;
  } else if (ep.rfind("ssh://", 0) == 0) {
    return fail(
        Error::config("providers.docker.endpoint: ssh:// endpoints are not supported; "
                      "use unix://, tcp:// or https:// (or a socket proxy)"));
  } else {
    return fail(Error::config("providers.docker.endpoint: \"" + ep +
                              "\" must start with unix://, tcp://, http:// or https://"));
  }
  while (!hostport.empty() && hostport.back() == '/') {
    hostport.pop_back();
  }
  if (hostport.empty() || hostport.find('/') != std::string::npos) {
    return fail(Error::config("providers.docker.endpoint: \"" + ep + "\" is not host:port"));
  }
  out.base_url = (https ? "https://" : "http://") + hostport;
  return out;
}

Result<std::unique_ptr<EngineClient>> EngineClient::create(CurlMulti& curl,
                                                           EngineSettings settings) {
  auto ep = resolveEndpoint(settings);
  if (!ep) {
    return fail(ep.error());
  }
  return std::unique_ptr<EngineClient>(new EngineClient(curl, std::move(settings), *ep));
}

EngineClient::EngineClient(CurlMulti& curl, EngineSettings settings, EngineEndpoint endpoint)
    : curl_(curl), settings_(std::move(settings)), endpoint_(std::move(endpoint)) {
  api_version_ = settings_.api_version;
}

EngineClient::~EngineClient() {
  *alive_ = false;
  cancelAll();
}

void EngineClient::cancel(RequestId id) {
  pending_.erase(id);
  curl_.cancel(id);
}

void EngineClient::cancelAll() {
  std::set<RequestId> ids;
  ids.swap(pending_);
  for (RequestId id : ids) {
    curl_.cancel(id);
  }
}

HttpRequest EngineClient::request(const std::string& path, bool versioned) const {
  HttpRequest r;
  r.url =
      endpoint_.base_url + (versioned && !api_version_.empty() ? "/v" + api_version_ : "") + path;
  r.unix_socket_path = endpoint_.unix_socket;
  r.headers = {{"User-Agent", "Pier"}, {"Accept", "application/json"}};
  r.timeout = settings_.http_client_timeout;
  r.tls = settings_.tls;
  r.username = settings_.username;
  r.password = settings_.password;
  return r;
}

EngineClient::RequestId EngineClient::get(const std::string& path, bool versioned,
                                          std::function<void(Result<HttpResponse>)> cb) {
  // The id is known only after start() returns; callbacks never run before that (R6).
  auto id_cell = std::make_shared<RequestId>(0);
  std::weak_ptr<bool> alive = alive_;
  RequestId id = curl_.start(request(path, versioned), {},
                             [this, alive, id_cell, cb = std::move(cb)](Result<HttpResponse> r) {
                               if (alive.expired() || !*alive.lock()) {
                                 return;
                               }
                               forget(*id_cell);
                               cb(std::move(r));
                             });
  *id_cell = id;
  pending_.insert(id);
  return id;
}

EngineClient::RequestId EngineClient::version(std::function<void(Result<EngineVersion>)> cb) {
  return get("/version", /*versioned=*/false, [this, cb = std::move(cb)](Result<HttpResponse> r) {
    if (!r) {
      return cb(fail(r.error()));
    }
    if (r->status != 200) {
      return cb(fail(httpError("/version", *r)));
    }
    auto v = parseVersion(r->body);
    if (!v) {
      return cb(fail(v.error()));
    }
    if (settings_.api_version.empty()) {
      api_version_ = negotiateApiVersion(v->api_version);
    }
    if (compareApiVersions(api_version_, kMinApiVersion) < 0) {
      log::warn("docker: the daemon at " + settings_.endpoint + " speaks Engine API " +
                api_version_ + "; Pier is tested with " + std::string(kMinApiVersion) +
                " and newer");
    }
    cb(std::move(*v));
  });
}

EngineClient::RequestId EngineClient::listContainers(
    std::function<void(Result<std::vector<ContainerSummary>>)> cb) {
  std::string path = "/containers/json?all=1";
  return get(path, true, [path, cb = std::move(cb)](Result<HttpResponse> r) {
    if (!r) {
      return cb(fail(r.error()));
    }
    if (r->status != 200) {
      return cb(fail(httpError(path, *r)));
    }
    cb(parseContainerList(r->body));
  });
}

EngineClient::RequestId EngineClient::inspect(
    const std::string& id, std::function<void(Result<std::optional<ContainerInfo>>)> cb) {
  std::string path = "/containers/" + id + "/json";
  return get(path, true, [path, cb = std::move(cb)](Result<HttpResponse> r) {
    if (!r) {
      return cb(fail(r.error()));
    }
    if (r->status == 404) {
      return cb(std::optional<ContainerInfo>());
    }
    if (r->status != 200) {
      return cb(fail(httpError(path, *r)));
    }
    auto info = parseContainerInspect(r->body);
    if (!info) {
      return cb(fail(info.error()));
    }
    cb(std::optional<ContainerInfo>(std::move(*info)));
  });
}

EngineClient::RequestId EngineClient::events(std::function<void()> on_subscribed,
                                             std::function<void(EngineEvent)> on_event,
                                             std::function<void(Error)> on_end) {
  struct Stream {
    EventStreamParser parser;
    long status = 0;
    std::string error_body;  // body of a non-200 answer
    std::function<void()> on_subscribed;
    std::function<void(EngineEvent)> on_event;
    std::function<void(Error)> on_end;
  };
  auto st = std::make_shared<Stream>();
  st->on_subscribed = std::move(on_subscribed);
  st->on_event = std::move(on_event);
  st->on_end = std::move(on_end);
  auto id_cell = std::make_shared<RequestId>(0);
  std::weak_ptr<bool> alive = alive_;
  HttpRequest req = request(kEventsPath, true);
  req.timeout = std::chrono::milliseconds(0);  // httpClientTimeout never applies (spec A.8)
  RequestId id = curl_.start(
      std::move(req),
      [this, st, alive, id_cell](std::string_view chunk) {
        if (st->status != 200) {
          if (st->error_body.size() < 4096) {
            st->error_body.append(chunk);
          }
          return;
        }
        for (auto& ev : st->parser.feed(chunk)) {
          if (alive.expired() || !*alive.lock() || pending_.count(*id_cell) == 0) {
            return;  // cancelled by an earlier event's handler
          }
          if (!ev) {
            log::warn("docker: ignoring an event: " + ev.error().message);
            continue;
          }
          st->on_event(std::move(*ev));
        }
      },
      [this, st, alive, id_cell](Result<HttpResponse> r) {
        if (alive.expired() || !*alive.lock()) {
          return;
        }
        forget(*id_cell);
        if (!r) {
          return st->on_end(r.error());
        }
        if (st->status != 200) {
          HttpResponse resp = std::move(*r);
          resp.body = st->error_body;
          return st->on_end(httpError("/events", resp));
        }
        st->on_end(Error{ErrorSource::Environment, "the daemon closed the event stream", true});
      },
      [st](long status) {
        st->status = status;
        if (status == 200 && st->on_subscribed) {
          st->on_subscribed();
        }
      });
  *id_cell = id;
  pending_.insert(id);
  return id;
}

}  // namespace pier::providers::docker
