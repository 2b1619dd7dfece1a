// The pure half of the Docker provider (spec B.2-B.10): inspected containers and their labels in,
// one dynamic configuration out, with Traefik v3's semantics. No I/O, no threads, no libuv: the
// provider loop (docker_provider.cc) lists and inspects containers, calls build(), qualifies the
// names with `@docker` and hands the result to the configuration pipeline.
//
// Failure isolation (spec I.2): a bad label, a missing port or IP skips that container only;
// a name defined differently by two containers removes that name only; a default-rule render
// error drops that router only. Every problem is reported with the container's name.
// Thread: control thread (build() is const and re-entrant). No exceptions escape.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "config/dynamic_model.h"
#include "config/static_config.h"
#include "providers/docker/constraints.h"
#include "providers/docker/container_info.h"
#include "providers/docker/default_rule.h"

namespace pier::providers::docker {

struct DockerModelSettings {
  // Traefik's providers.docker options (spec A.8).
  bool exposed_by_default = true;
  std::string default_rule = "Host(`{{ normalize .Name }}`)";
  std::string network;
  bool use_bind_port_ip = false;
  bool allow_empty_services = false;
  std::string constraints;

  // Pier additions, filled by the provider loop.
  /// Networks Pier's own container is attached to: preferred when a container has several
  /// networks and neither `traefik.docker.network` nor `network` picks one (pain point 1.1).
  std::vector<std::string> proxy_networks;
  /// Address used for `network_mode: host` containers: the resolved `host.docker.internal` or
  /// `host.containers.internal` when the loop could resolve them, else 127.0.0.1 (spec B.8).
  std::string host_address = "127.0.0.1";
  /// Skip `docker compose run` one-off containers (label com.docker.compose.oneoff=True).
  bool ignore_one_off = false;

  static DockerModelSettings fromStatic(const config::DockerProvider& p);
};

/// One finding about one container. `message` starts with the label when one is at fault:
/// "label traefik.enable: expected true or false, got \"yes\"".
struct ContainerIssue {
  std::string container;  // container name (without '/'); for conflicts, the first container
  std::string message;
  /// "container NAME: message".
  std::string text() const { return "container " + container + ": " + message; }
};

/// A name defined differently by several containers (spec B.9): removed from the output.
struct NameConflict {
  std::string kind;  // "HTTP router", "HTTP service", "HTTP middleware", "TCP router", ...
  std::string name;
  std::vector<std::string> containers;  // every container defining the name, merge order
  std::string field;                    // first differing field, e.g. "rule"
};

/// Where a server came from, so the API can show why an address was chosen (pain point 1.1).
struct ServerOrigin {
  std::string protocol;  // "http" | "tcp" | "udp"
  std::string service;   // unqualified service name
  std::string container;
  std::string network;  // network used ("" for url labels, "host", or "binding")
  std::string address;  // url (http) or host:port (tcp/udp)
};

struct DockerModelOutput {
  config::DynamicConfig config;  // names NOT yet qualified with @docker
  /// Routers whose rule came from defaultRule: they get the X-Traefik-Router loop guard (G.3).
  std::set<std::string> default_rule_routers;
  std::vector<ContainerIssue> errors;    // container skipped, router dropped, name removed
  std::vector<ContainerIssue> warnings;  // ignored labels, guessed ports, missing networks
  std::vector<ContainerIssue> infos;     // network choices, one-off containers, no auto router
  std::vector<NameConflict> conflicts;
  std::vector<ServerOrigin> servers;
};

class DockerModel {
 public:
  /// Compiles defaultRule and constraints once. An error means the provider must not start
  /// (spec I.2, A.8); the message names the setting and the column.
  static Result<DockerModel> create(const DockerModelSettings& settings);

  DockerModelOutput build(const std::vector<ContainerInfo>& containers) const;

  const DockerModelSettings& settings() const { return settings_; }

 private:
  DockerModelSettings settings_;
  DefaultRuleTemplate default_rule_;
  Constraints constraints_;
};

/// The container's service name (spec B.5): normalize("<service>_<project>") for Compose
/// containers, else normalize(container name).
std::string containerServiceName(const ContainerInfo& c);

}  // namespace pier::providers::docker
