// Dynamic configuration model (spec sections C-F): routers, services, middlewares, transports and
// TLS, as one provider produced them. Plain structs; maps are keyed by the name as written.
// Member initialisers are Traefik's defaults. Built on the control thread; once published it is
// immutable and may be read from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/node.h"
#include "config/static_config.h"  // Duration, TlsDomain, ForwardingTimeouts

namespace pier::config {

// ---- HTTP -----------------------------------------------------------------------------------

struct RouterTls {
  bool operator==(const RouterTls&) const = default;
  std::string options;
  std::string cert_resolver;
  std::vector<TlsDomain> domains;
};

struct RouterObservability {
  bool operator==(const RouterObservability&) const = default;
  std::optional<bool> access_logs;  // unset = the entry point's default
  std::optional<bool> metrics;
  std::optional<bool> tracing;
  std::string trace_verbosity;
};

struct HttpRouter {
  bool operator==(const HttpRouter&) const = default;
  std::vector<std::string> entry_points;
  std::string rule;
  std::string rule_syntax;
  std::int64_t priority = 0;
  std::string service;
  std::vector<std::string> middlewares;
  std::optional<RouterTls> tls;
  std::optional<RouterObservability> observability;
};

struct HttpServer {
  bool operator==(const HttpServer&) const = default;
  std::string url;
  int weight = 1;
  bool preserve_path = false;
  // Label grammar only (spec B.4/B.8): the provider builds `url` from these and the container.
  std::string scheme;
  std::string port;
};

struct Cookie {
  bool operator==(const Cookie&) const = default;
  std::string name;
  bool secure = false;
  bool http_only = false;
  std::string same_site;
  int max_age = 0;
  std::string path = "/";
  std::string domain;
  bool partitioned = false;
};

struct Sticky {
  bool operator==(const Sticky&) const = default;
  std::optional<Cookie> cookie;
};

struct ServerHealthCheck {
  bool operator==(const ServerHealthCheck&) const = default;
  std::string scheme;
  std::string mode = "http";
  std::string path;
  std::string method;
  int status = 0;
  int port = 0;
  Duration interval = std::chrono::seconds(30);
  std::optional<Duration> unhealthy_interval;  // unset = interval
  Duration timeout = std::chrono::seconds(5);
  std::string hostname;
  bool follow_redirects = true;
  std::map<std::string, std::string> headers;
};

struct PassiveHealthCheck {
  bool operator==(const PassiveHealthCheck&) const = default;
  Duration failure_window = std::chrono::seconds(10);
  int max_failed_attempts = 1;
};

struct ResponseForwarding {
  bool operator==(const ResponseForwarding&) const = default;
  Duration flush_interval = std::chrono::milliseconds(100);
};

struct HttpLoadBalancer {
  bool operator==(const HttpLoadBalancer&) const = default;
  std::vector<HttpServer> servers;
  std::optional<Sticky> sticky;
  std::string strategy = "wrr";  // wrr | p2c | hrw | leasttime
  std::optional<ServerHealthCheck> health_check;
  std::optional<PassiveHealthCheck> passive_health_check;
  bool pass_host_header = true;
  ResponseForwarding response_forwarding;
  std::string servers_transport;
};

// `healthCheck: {}` on composite services: propagate the children's status.
struct EmptyHealthCheck {
  bool operator==(const EmptyHealthCheck&) const = default;
};

struct WeightedRef {
  bool operator==(const WeightedRef&) const = default;
  std::string name;
  int weight = 1;
};

struct WeightedService {
  bool operator==(const WeightedService&) const = default;
  std::vector<WeightedRef> services;
  std::optional<Sticky> sticky;
  std::optional<EmptyHealthCheck> health_check;
};

struct MirrorRef {
  bool operator==(const MirrorRef&) const = default;
  std::string name;
  int percent = 0;
};

struct MirroringService {
  bool operator==(const MirroringService&) const = default;
  std::string service;
  std::vector<MirrorRef> mirrors;
  std::int64_t max_body_size = -1;  // -1 = unlimited
  bool mirror_body = true;
  std::optional<EmptyHealthCheck> health_check;
};

struct FailoverErrors {
  bool operator==(const FailoverErrors&) const = default;
  std::vector<std::string> status;  // "500-599"
  std::int64_t max_request_body_bytes = -1;
};

struct FailoverService {
  bool operator==(const FailoverService&) const = default;
  std::string service;
  std::string fallback;
  std::optional<EmptyHealthCheck> health_check;
  std::optional<FailoverErrors> errors;
};

/// Exactly one of the optional members is set (checked when decoded).
struct HttpService {
  bool operator==(const HttpService&) const = default;
  std::optional<HttpLoadBalancer> load_balancer;
  std::optional<WeightedService> weighted;
  std::optional<MirroringService> mirroring;
  std::optional<FailoverService> failover;
  std::optional<WeightedService> highest_random_weight;
};

/// One middleware: its kind ("stripPrefix", canonical spelling) and its options, untyped until
/// the middleware registry validates them.
struct Middleware {
  bool operator==(const Middleware&) const = default;
  std::string type;
  Node options;
};

struct CertificateFiles {
  bool operator==(const CertificateFiles&) const = default;
  std::string cert_file;  // path or inline PEM
  std::string key_file;
};

struct HttpServersTransport {
  bool operator==(const HttpServersTransport&) const = default;
  std::string server_name;
  bool insecure_skip_verify = false;
  std::vector<std::string> root_cas;
  std::vector<CertificateFiles> certificates;
  int max_idle_conns_per_host = 200;
  ForwardingTimeouts forwarding_timeouts;
  bool disable_http2 = false;
  std::vector<std::string> cipher_suites;
  std::string min_version;
  std::string max_version;
  std::string peer_cert_uri;
};

struct HttpConfig {
  bool operator==(const HttpConfig&) const = default;
  std::map<std::string, HttpRouter> routers;
  std::map<std::string, HttpService> services;
  std::map<std::string, Middleware> middlewares;
  std::map<std::string, HttpServersTransport> servers_transports;
};

// ---- TCP / UDP ------------------------------------------------------------------------------

struct TcpRouterTls {
  bool operator==(const TcpRouterTls&) const = default;
  bool passthrough = false;
  std::string options;
  std::string cert_resolver;
  std::vector<TlsDomain> domains;
};

struct TcpRouter {
  bool operator==(const TcpRouter&) const = default;
  std::vector<std::string> entry_points;
  std::string rule;
  std::string rule_syntax;
  std::int64_t priority = 0;
  std::string service;
  std::vector<std::string> middlewares;
  std::optional<TcpRouterTls> tls;
};

struct TcpServer {
  bool operator==(const TcpServer&) const = default;
  std::string address;
  bool tls = false;
  int weight = 1;
  std::string port;  // label grammar only
};

struct TcpProxyProtocol {
  bool operator==(const TcpProxyProtocol&) const = default;
  int version = 2;
};

struct TcpServerHealthCheck {
  bool operator==(const TcpServerHealthCheck&) const = default;
  int port = 0;
  std::string send;
  std::string expect;
  Duration interval = std::chrono::seconds(30);
  std::optional<Duration> unhealthy_interval;
  Duration timeout = std::chrono::seconds(5);
};

struct TcpLoadBalancer {
  bool operator==(const TcpLoadBalancer&) const = default;
  std::vector<TcpServer> servers;
  std::optional<TcpProxyProtocol> proxy_protocol;  // deprecated: moved to the transport
  std::string servers_transport;
  std::optional<Duration> termination_delay;  // deprecated: moved to the transport
  std::optional<TcpServerHealthCheck> health_check;
};

struct TcpWeightedService {
  bool operator==(const TcpWeightedService&) const = default;
  std::vector<WeightedRef> services;
  std::optional<EmptyHealthCheck> health_check;
};

struct TcpService {
  bool operator==(const TcpService&) const = default;
  std::optional<TcpLoadBalancer> load_balancer;
  std::optional<TcpWeightedService> weighted;
};

struct TcpTransportTls {
  bool operator==(const TcpTransportTls&) const = default;
  std::string server_name;
  bool insecure_skip_verify = false;
  std::vector<std::string> root_cas;
  std::vector<CertificateFiles> certificates;
  std::string peer_cert_uri;
};

struct TcpServersTransport {
  bool operator==(const TcpServersTransport&) const = default;
  Duration dial_keep_alive = std::chrono::seconds(15);
  Duration dial_timeout = std::chrono::seconds(30);
  Duration termination_delay = std::chrono::milliseconds(100);
  std::optional<TcpProxyProtocol> proxy_protocol;
  std::optional<TcpTransportTls> tls;
};

struct TcpConfig {
  bool operator==(const TcpConfig&) const = default;
  std::map<std::string, TcpRouter> routers;
  std::map<std::string, TcpService> services;
  std::map<std::string, Middleware> middlewares;  // inFlightConn, ipAllowList, ipWhiteList
  std::map<std::string, TcpServersTransport> servers_transports;
};

struct UdpRouter {
  bool operator==(const UdpRouter&) const = default;
  std::vector<std::string> entry_points;
  std::string service;
};

struct UdpServer {
  bool operator==(const UdpServer&) const = default;
  std::string address;
  std::string port;  // label grammar only
};

struct UdpLoadBalancer {
  bool operator==(const UdpLoadBalancer&) const = default;
  std::vector<UdpServer> servers;
};

struct UdpService {
  bool operator==(const UdpService&) const = default;
  std::optional<UdpLoadBalancer> load_balancer;
  std::optional<TcpWeightedService> weighted;
};

struct UdpConfig {
  bool operator==(const UdpConfig&) const = default;
  std::map<std::string, UdpRouter> routers;
  std::map<std::string, UdpService> services;
};

// ---- TLS ------------------------------------------------------------------------------------

struct TlsCertificate {
  bool operator==(const TlsCertificate&) const = default;
  std::string cert_file;
  std::string key_file;
  std::vector<std::string> stores;  // empty = "default"
};

struct ClientAuth {
  bool operator==(const ClientAuth&) const = default;
  std::vector<std::string> ca_files;
  std::string client_auth_type;  // "" | NoClientCert | RequestClientCert | ...
};

struct TlsOptions {
  bool operator==(const TlsOptions&) const = default;
  std::string min_version;
  std::string max_version;
  std::vector<std::string> cipher_suites;
  std::vector<std::string> curve_preferences;
  bool sni_strict = false;
  std::vector<std::string> alpn_protocols;  // empty = h2, http/1.1, acme-tls/1
  bool disable_session_tickets = false;
  std::optional<ClientAuth> client_auth;
  bool prefer_server_cipher_suites = false;  // deprecated, ignored
};

struct GeneratedCert {
  bool operator==(const GeneratedCert&) const = default;
  std::string resolver;
  TlsDomain domain;
};

struct TlsStore {
  bool operator==(const TlsStore&) const = default;
  std::optional<CertificateFiles> default_certificate;
  std::optional<GeneratedCert> default_generated_cert;
};

struct TlsConfig {
  bool operator==(const TlsConfig&) const = default;
  std::vector<TlsCertificate> certificates;
  std::map<std::string, TlsOptions> options;
  std::map<std::string, TlsStore> stores;
};

struct DynamicConfig {
  bool operator==(const DynamicConfig&) const = default;
  HttpConfig http;
  TcpConfig tcp;
  UdpConfig udp;
  TlsConfig tls;
};

}  // namespace pier::config
