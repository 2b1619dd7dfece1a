// What the Docker provider knows about one container, as read from the Engine API
// (GET /containers/{id}/json), reduced to what routing needs. Pure data, control thread only.
// Produced by engine_client.cc (parsing the API's JSON) and consumed by container_model.cc
// (labels -> dynamic configuration), so both sides agree on one shape.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace pier::providers::docker {

struct ContainerNetwork {
  std::string name;        // network name as Docker shows it, e.g. "myproject_default"
  std::string ip_address;  // IPv4 address on that network ("" when none)
  std::string ipv6_address;
};

struct PortBinding {
  std::uint16_t container_port = 0;
  std::string protocol = "tcp";  // tcp | udp | sctp
  std::string host_ip;           // from HostConfig/NetworkSettings port bindings ("" when unbound)
  std::uint16_t host_port = 0;
};

struct ContainerInfo {
  std::string id;
  std::string name;  // without the leading '/'
  std::map<std::string, std::string> labels;
  // State
  std::string state;  // State.Status: created|running|paused|restarting|removing|exited|dead
  bool running = false;
  bool paused = false;
  std::string health;  // "" (no healthcheck) | starting | healthy | unhealthy
  // Networking
  std::string network_mode;  // "bridge", "host", "none", "container:<id>", "<network name>"
  std::vector<ContainerNetwork> networks;  // in the API's order (a JSON object, so by name)
  std::vector<PortBinding> ports;          // exposed ports (Config.ExposedPorts + bindings)
  std::string hostname;                    // Config.Hostname
  // Compose / Swarm facts
  std::string compose_project;  // label com.docker.compose.project
  std::string compose_service;  // label com.docker.compose.service
};

}  // namespace pier::providers::docker
