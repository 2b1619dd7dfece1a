// Typed static configuration (spec A.6-A.11): plain structs whose member initialisers are Traefik's
// defaults. std::optional marks a section that exists only when enabled (spec A.2). Filled once at
// start by config/static_loader.h; read-only afterwards, so any thread may read it.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/node.h"

namespace pier::config {

using Duration = std::chrono::nanoseconds;

struct TlsDomain {
  bool operator==(const TlsDomain&) const = default;
  std::string main;
  std::vector<std::string> sans;
};

// `[host]:port[/tcp|/udp]`, parsed when decoded (spec A.7).
struct ListenAddress {
  enum class Protocol { Tcp, Udp };
  std::string text;  // as written
  std::string host;  // "" = all interfaces; brackets removed from IPv6
  std::uint16_t port = 0;
  Protocol protocol = Protocol::Tcp;
};

struct RedirectEntryPoint {
  std::string to;  // entry point name or ":port"
  std::string scheme = "https";
  bool permanent = true;
  std::int64_t priority = std::numeric_limits<std::int64_t>::max() - 1;
};

struct EntryPointRedirections {
  std::optional<RedirectEntryPoint> entry_point;
};

struct EntryPointTls {
  std::string options;
  std::string cert_resolver;
  std::vector<TlsDomain> domains;
};

struct EncodedCharacters {
  bool allow_encoded_slash = true;
  bool allow_encoded_back_slash = true;
  bool allow_encoded_null_character = true;
  bool allow_encoded_semicolon = true;
  bool allow_encoded_percent = true;
  bool allow_encoded_question_mark = true;
  bool allow_encoded_hash = true;
};

struct EntryPointHttp {
  EntryPointRedirections redirections;
  std::vector<std::string> middlewares;
  std::optional<EntryPointTls> tls;
  std::int64_t max_header_bytes = 1048576;
  bool sanitize_path = true;
  bool encode_query_semicolons = false;
  EncodedCharacters encoded_characters;
  std::string underscore_headers_strategy = "keep";  // keep | delete | reject
};

struct EntryPointHttp2 {
  int max_concurrent_streams = 250;
  int max_decoder_header_table_size = 4096;
  int max_encoder_header_table_size = 4096;
};

struct ForwardedHeaders {
  std::vector<std::string> trusted_ips;
  bool insecure = false;
  std::vector<std::string> connection;
  bool not_append_x_forwarded_for = false;
  bool add_x_forwarded_scheme_headers = false;
};

struct ProxyProtocol {
  std::vector<std::string> trusted_ips;
  bool insecure = false;
};

struct RespondingTimeouts {
  Duration read_timeout = std::chrono::seconds(60);
  Duration write_timeout = std::chrono::seconds(0);
  Duration idle_timeout = std::chrono::seconds(180);
};

struct LifeCycle {
  Duration request_accept_grace_timeout = std::chrono::seconds(0);
  Duration grace_time_out = std::chrono::seconds(10);
};

struct EntryPointTransport {
  RespondingTimeouts responding_timeouts;
  LifeCycle life_cycle;
  int keep_alive_max_requests = 0;
  Duration keep_alive_max_time = std::chrono::seconds(0);
};

struct EntryPointUdp {
  Duration timeout = std::chrono::seconds(3);
};

struct EntryPointObservability {
  bool access_logs = true;
  bool metrics = true;
  bool tracing = true;
  std::string trace_verbosity = "minimal";
};

struct EntryPoint {
  ListenAddress address;
  bool as_default = false;
  bool reuse_port = false;
  bool allow_acme_by_pass = false;
  EntryPointHttp http;
  EntryPointHttp2 http2;
  Node http3;  // accepted, not supported (warning)
  ForwardedHeaders forwarded_headers;
  std::optional<ProxyProtocol> proxy_protocol;
  EntryPointTransport transport;
  EntryPointUdp udp;
  EntryPointObservability observability;
};

struct ClientTls {
  std::string ca;  // path or inline PEM
  std::string cert;
  std::string key;
  bool insecure_skip_verify = false;
};

struct DockerProvider {
  std::string endpoint = "unix:///var/run/docker.sock";
  std::string username;
  std::string password;
  std::optional<ClientTls> tls;
  Duration http_client_timeout = std::chrono::seconds(0);
  bool watch = true;
  bool exposed_by_default = true;
  std::string default_rule = "Host(`{{ normalize .Name }}`)";
  std::string network;
  std::string constraints;
  bool use_bind_port_ip = false;
  bool allow_empty_services = false;
};

struct SwarmProvider : DockerProvider {
  Duration refresh_seconds = std::chrono::seconds(15);
};

struct FileProvider {
  std::string filename;
  std::string directory;
  bool watch = true;
  bool debug_log_generated_template = false;
};

struct Providers {
  Duration providers_throttle_duration = std::chrono::seconds(2);
  std::optional<FileProvider> file;
  std::optional<DockerProvider> docker;
  std::optional<SwarmProvider> swarm;
  std::vector<std::string> precedence;
};

struct Ping {
  std::string entry_point = "traefik";
  bool manual_routing = false;
  int terminating_status_code = 503;
};

struct Log {
  std::string level = "ERROR";
  std::string format = "common";
  std::string file_path;
  bool no_color = false;
  int max_size = 0;
  int max_age = 0;
  int max_backups = 0;
  bool compress = false;
};

struct Api {
  bool insecure = false;
  bool dashboard = true;
  std::string base_path = "/";
  bool debug = false;
  bool disable_dashboard_ad = false;
  std::string dashboard_name;
};

struct Prometheus {
  std::vector<double> buckets = {0.1, 0.3, 1.2, 5.0};
  bool add_entry_points_labels = true;
  bool add_routers_labels = false;
  bool add_services_labels = true;
  std::string entry_point = "traefik";
  bool manual_routing = false;
  std::map<std::string, std::string> header_labels;
};

struct Metrics {
  bool add_internals = false;
  std::optional<Prometheus> prometheus;
};

struct AccessLogFilters {
  std::vector<std::string> status_codes;  // "404" or "500-599"
  bool retry_attempts = false;
  Duration min_duration = std::chrono::seconds(0);
};

struct FieldHeaders {
  std::string default_mode = "drop";
  std::map<std::string, std::string> names;  // header -> keep | drop | redact
};

struct FieldQueryParameters {
  std::string default_mode = "keep";
  std::map<std::string, std::string> names;
};

struct AccessLogFields {
  std::string default_mode = "keep";
  std::map<std::string, std::string> names;  // field -> keep | drop
  FieldHeaders headers;
  FieldQueryParameters query_parameters;
};

struct AccessLog {
  std::string file_path;
  std::string format = "common";  // common | genericCLF | json
  std::int64_t buffering_size = 0;
  bool add_internals = false;
  std::optional<AccessLogFilters> filters;
  std::optional<AccessLogFields> fields;
};

struct ForwardingTimeouts {
  bool operator==(const ForwardingTimeouts&) const = default;
  Duration dial_timeout = std::chrono::seconds(30);
  Duration response_header_timeout = std::chrono::seconds(0);
  Duration idle_conn_timeout = std::chrono::seconds(90);
  Duration read_idle_timeout = std::chrono::seconds(0);
  Duration ping_timeout = std::chrono::seconds(15);
};

struct StaticServersTransport {
  bool insecure_skip_verify = false;
  std::vector<std::string> root_cas;
  int max_idle_conns_per_host = 200;
  ForwardingTimeouts forwarding_timeouts;
  Node spiffe;
};

struct TcpClientTls {
  bool insecure_skip_verify = false;
  std::vector<std::string> root_cas;
  Node spiffe;
};

struct StaticTcpServersTransport {
  Duration dial_timeout = std::chrono::seconds(30);
  Duration dial_keep_alive = std::chrono::seconds(15);
  Duration termination_delay = std::chrono::milliseconds(100);
  std::optional<TcpClientTls> tls;
};

struct AcmeEab {
  std::string kid;
  std::string hmac_encoded;
};

struct AcmeHttpChallenge {
  std::string entry_point;
  Duration delay = std::chrono::seconds(0);
};

struct AcmeTlsChallenge {
  Duration delay = std::chrono::seconds(0);
};

struct AcmeDnsChallenge {
  std::string provider;
  std::vector<std::string> resolvers;
  Node propagation;
  Duration delay_before_check = std::chrono::seconds(0);
  bool disable_propagation_check = false;
};

struct Acme {
  std::string email;
  std::string ca_server = "https://acme-v02.api.letsencrypt.org/directory";
  std::string storage = "acme.json";
  std::string key_type = "RSA4096";
  int certificates_duration = 2160;  // hours
  std::string preferred_chain;
  std::string profile;
  std::vector<std::string> email_addresses;
  bool disable_common_name = false;
  std::optional<AcmeEab> eab;
  std::vector<std::string> ca_certificates;
  bool ca_system_cert_pool = false;
  std::string ca_server_name;
  Duration client_timeout = std::chrono::minutes(2);
  Duration client_response_header_timeout = std::chrono::seconds(30);
  Duration certificate_timeout = std::chrono::seconds(30);
  std::optional<AcmeHttpChallenge> http_challenge;
  std::optional<AcmeTlsChallenge> tls_challenge;
  std::optional<AcmeDnsChallenge> dns_challenge;
};

struct CertificateResolver {
  std::optional<Acme> acme;
  Node tailscale;  // accepted, not supported
};

struct Global {
  bool check_new_version = true;  // accepted; Pier makes no outbound calls
  bool send_anonymous_usage = false;
  bool not_append_x_forwarded_for = false;
};

struct Core {
  std::string default_rule_syntax = "v3";
};

struct StaticConfig {
  std::map<std::string, EntryPoint> entry_points;  // keyed by name as written
  Providers providers;
  std::optional<Api> api;
  std::optional<Ping> ping;
  std::optional<Log> log;  // absent = defaults of Log
  std::optional<AccessLog> access_log;
  std::optional<Metrics> metrics;
  StaticServersTransport servers_transport;
  StaticTcpServersTransport tcp_servers_transport;
  std::map<std::string, CertificateResolver> certificates_resolvers;
  Global global;
  Core core;
  int workers = 0;  // Pier: worker threads, 0 = one per CPU
  /// The tree this was decoded from, keys and values as written (the API's support dump).
  Node source;

  /// The log settings in force (the section's defaults when it is absent).
  Log effectiveLog() const { return log ? *log : Log{}; }
};

}  // namespace pier::config
