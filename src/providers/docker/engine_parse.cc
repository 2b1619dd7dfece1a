#include "providers/docker/engine_parse.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

namespace pier::providers::docker {
namespace {

using nlohmann::json;

std::string str(const json& j, const char* key) {
  if (!j.is_object()) {
    return {};
  }
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const json& sub(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) {
    return kNull;
  }
  auto it = j.find(key);
  return it != j.end() ? *it : kNull;
}

bool boolean(const json& j, const char* key) {
  const json& v = sub(j, key);
  return v.is_boolean() && v.get<bool>();
}

Result<json> parseJson(std::string_view body, std::string_view what) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return fail(Error::upstream("the Docker daemon sent invalid JSON for " + std::string(what)));
  }
  return j;
}

bool parsePortKey(std::string_view key, std::uint16_t& port, std::string& proto) {
  std::size_t slash = key.find('/');
  std::string_view num = key.substr(0, slash);
  proto = slash == std::string_view::npos ? "tcp" : std::string(key.substr(slash + 1));
  unsigned value = 0;
  auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), value);
  if (ec != std::errc() || p != num.data() + num.size() || value == 0 || value > 65535) {
    return false;
  }
  port = static_cast<std::uint16_t>(value);
  return true;
}

std::string stripSlash(std::string name) {
  if (!name.empty() && name.front() == '/') {
    name.erase(0, 1);
  }
  return name;
}

void fillPorts(const json& config, const json& net_settings, ContainerInfo& info) {
  struct Key {
    std::uint16_t port;
    std::string proto;
    bool operator<(const Key& o) const { return port != o.port ? port < o.port : proto < o.proto; }
  };
  std::map<Key, const json*> ports;  // value: the bindings array, or nullptr
  const json& exposed = sub(config, "ExposedPorts");
  if (exposed.is_object()) {
    for (auto it = exposed.begin(); it != exposed.end(); ++it) {
      Key k{};
      if (parsePortKey(it.key(), k.port, k.proto)) {
        ports.emplace(k, nullptr);
      }
    }
  }
  const json& bound = sub(net_settings, "Ports");
  if (bound.is_object()) {
    for (auto it = bound.begin(); it != bound.end(); ++it) {
      Key k{};
      if (parsePortKey(it.key(), k.port, k.proto)) {
        ports[k] = it->is_array() ? &*it : nullptr;
      }
    }
  }
  for (const auto& [key, bindings] : ports) {
    bool any = false;
    if (bindings != nullptr) {
      for (const json& b : *bindings) {
        PortBinding pb;
        pb.container_port = key.port;
        pb.protocol = key.proto;
        pb.host_ip = str(b, "HostIp");
        std::string hp = str(b, "HostPort");
        unsigned v = 0;
        auto [p, ec] = std::from_chars(hp.data(), hp.data() + hp.size(), v);
        if (ec == std::errc() && p == hp.data() + hp.size() && v <= 65535) {
          pb.host_port = static_cast<std::uint16_t>(v);
        }
        info.ports.push_back(std::move(pb));
        any = true;
      }
    }
    if (!any) {
      PortBinding pb;
      pb.container_port = key.port;
      pb.protocol = key.proto;
      info.ports.push_back(std::move(pb));
    }
  }
}

}  // namespace

int compareApiVersions(std::string_view a, std::string_view b) {
  auto next = [](std::string_view& s) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    (void)ec;
    s.remove_prefix(static_cast<std::size_t>(p - s.data()));
    if (!s.empty() && s.front() == '.') {
      s.remove_prefix(1);
    }
    return v;
  };
  while (!a.empty() || !b.empty()) {
    std::size_t before = a.size() + b.size();
    unsigned x = next(a);
    unsigned y = next(b);
    if (x != y) {
      return x < y ? -1 : 1;
    }
    if (a.size() + b.size() == before) {
      break;  // neither side made progress (not a number): treat the rest as equal
    }
  }
  return 0;
}

std::string negotiateApiVersion(std::string_view daemon_api) {
  if (daemon_api.empty()) {
    return "1.24";
  }
  return std::string(compareApiVersions(daemon_api, kMaxApiVersion) < 0 ? daemon_api
                                                                        : kMaxApiVersion);
}

Result<EngineVersion> parseVersion(std::string_view body) {
  auto j = parseJson(body, "/version");
  if (!j) {
    return fail(j.error());
  }
  if (!j->is_object()) {
    return fail(Error::upstream("the Docker daemon's /version answer is not a JSON object"));
  }
  EngineVersion v;
  v.version = str(*j, "Version");
  v.api_version = str(*j, "ApiVersion");
  v.min_api_version = str(*j, "MinAPIVersion");
  v.os = str(*j, "Os");
  return v;
}

Result<std::vector<ContainerSummary>> parseContainerList(std::string_view body) {
  auto j = parseJson(body, "/containers/json");
  if (!j) {
    return fail(j.error());
  }
  if (!j->is_array()) {
    return fail(Error::upstream("the Docker daemon's container list is not a JSON array"));
  }
  std::vector<ContainerSummary> out;
  for (const json& c : *j) {
    ContainerSummary s;
    s.id = str(c, "Id");
    if (s.id.empty()) {
      continue;
    }
    const json& names = sub(c, "Names");
    if (names.is_array() && !names.empty() && names.front().is_string()) {
      s.name = stripSlash(names.front().get<std::string>());
    }
    s.state = str(c, "State");
    out.push_back(std::move(s));
  }
  return out;
}

Result<ContainerInfo> parseContainerInspect(std::string_view body) {
  auto j = parseJson(body, "a container inspect");
  if (!j) {
    return fail(j.error());
  }
  if (!j->is_object() || str(*j, "Id").empty()) {
    return fail(Error::upstream("the Docker daemon's container inspect has no Id"));
  }
  ContainerInfo info;
  info.id = str(*j, "Id");
  info.name = stripSlash(str(*j, "Name"));
  const json& config = sub(*j, "Config");
  const json& labels = sub(config, "Labels");
  if (labels.is_object()) {
    for (auto it = labels.begin(); it != labels.end(); ++it) {
      if (it->is_string()) {
        info.labels.emplace(it.key(), it->get<std::string>());
      }
    }
  }
  info.hostname = str(config, "Hostname");
  const json& state = sub(*j, "State");
  info.state = str(state, "Status");
  info.running = boolean(state, "Running");
  info.paused = boolean(state, "Paused");
  info.health = str(sub(state, "Health"), "Status");
  info.network_mode = str(sub(*j, "HostConfig"), "NetworkMode");
  const json& ns = sub(*j, "NetworkSettings");
  const json& networks = sub(ns, "Networks");
  if (networks.is_object()) {
    for (auto it = networks.begin(); it != networks.end(); ++it) {
      ContainerNetwork n;
      n.name = it.key();
      n.ip_address = str(*it, "IPAddress");
      n.ipv6_address = str(*it, "GlobalIPv6Address");
      info.networks.push_back(std::move(n));
    }
  }
  fillPorts(config, ns, info);
  auto label = [&](const char* key) {
    auto it = info.labels.find(key);
    return it != info.labels.end() ? it->second : std::string();
  };
  info.compose_project = label("com.docker.compose.project");
  info.compose_service = label("com.docker.compose.service");
  return info;
}

Result<EngineEvent> parseEvent(std::string_view line) {
  auto j = parseJson(line, "an event");
  if (!j) {
    return fail(j.error());
  }
  if (!j->is_object()) {
    return fail(Error::upstream("a Docker event is not a JSON object"));
  }
  EngineEvent e;
  e.type = str(*j, "Type");
  e.action = str(*j, "Action");
  if (e.action.empty()) {
    e.action = str(*j, "status");  // pre-1.22 field, still sent alongside
  }
  const json& actor = sub(*j, "Actor");
  e.actor_id = str(actor, "ID");
  if (e.actor_id.empty()) {
    e.actor_id = str(*j, "id");
  }
  const json& attrs = sub(actor, "Attributes");
  e.name = str(attrs, "name");
  if (e.type == "container") {
    e.container_id = e.actor_id;
  } else if (e.type == "network") {
    e.container_id = str(attrs, "container");
  }
  const json& t = sub(*j, "timeNano");
  if (t.is_number_integer()) {
    e.time_nano = t.get<std::int64_t>();
  }
  return e;
}

EventEffect classifyEvent(const EngineEvent& e) {
  if (e.container_id.empty()) {
    return EventEffect::None;
  }
  if (e.type == "network") {
    return e.action == "connect" || e.action == "disconnect" ? EventEffect::Reinspect
                                                             : EventEffect::None;
  }
  if (e.type != "container") {
    return EventEffect::None;
  }
  if (e.action == "destroy") {
    return EventEffect::Remove;
  }
  static constexpr std::string_view kReinspect[] = {"create", "start",  "restart", "die",
                                                    "stop",   "kill",   "pause",   "unpause",
                                                    "rename", "update", "oom"};
  if (std::find(std::begin(kReinspect), std::end(kReinspect), e.action) != std::end(kReinspect) ||
      e.action.rfind("health_status", 0) == 0) {
    return EventEffect::Reinspect;
  }
  return EventEffect::None;
}

std::string errorMessageFromBody(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (!j.is_discarded() && j.is_object()) {
    std::string m = str(j, "message");
    if (!m.empty()) {
      return m;
    }
  }
  std::string s(body.substr(0, 200));
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) {
    s.pop_back();
  }
  return s;
}

std::vector<Result<EngineEvent>> EventStreamParser::feed(std::string_view chunk) {
  std::vector<Result<EngineEvent>> out;
  while (!chunk.empty()) {
    std::size_t nl = chunk.find('\n');
    std::string_view part = chunk.substr(0, nl);
    if (discarding_) {
      if (nl != std::string_view::npos) {
        discarding_ = false;
      }
    } else if (buf_.size() + part.size() > kMaxLineBytes) {
      buf_.clear();
      discarding_ = nl == std::string_view::npos;
      out.push_back(fail(Error::upstream("a Docker event line is longer than 1 MiB; skipped")));
    } else if (nl == std::string_view::npos) {
      buf_.append(part);
    } else {
      std::string_view line = part;
      if (!buf_.empty()) {
        buf_.append(part);
        line = buf_;
      }
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) {
        line.remove_suffix(1);
      }
      if (!line.empty()) {
        out.push_back(parseEvent(line));
      }
      buf_.clear();
    }
    if (nl == std::string_view::npos) {
      break;
    }
    chunk.remove_prefix(nl + 1);
  }
  return out;
}

}  // namespace pier::providers::docker
