// Field lists of the static configuration (names as Traefik spells them; matching is
// case-insensitive) and the checks that need a value's source position.
#include "config/static_schema.h"

#include "config/decode.h"
#include "config/shared_schema.h"

namespace pier::config {

// ---- custom scalars and validation (declared before the describe() users) -------------------

Result<ListenAddress> parseListenAddress(std::string_view text) {
  ListenAddress out;
  out.text = std::string(text);
  std::string_view rest = text;
  auto bad = [&](std::string_view why) {
    return fail(Error::config("invalid address \"" + std::string(text) + "\": " + std::string(why) +
                              " (expected [host]:port[/tcp|/udp], e.g. :80 or 127.0.0.1:8080)"));
  };
  std::size_t slash = rest.rfind('/');
  if (slash != std::string_view::npos) {
    std::string_view proto = rest.substr(slash + 1);
    if (base::iequals(proto, "udp")) {
      out.protocol = ListenAddress::Protocol::Udp;
    } else if (!base::iequals(proto, "tcp")) {
      return bad("unknown protocol \"" + std::string(proto) + "\"");
    }
    rest = rest.substr(0, slash);
  }
  std::size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos)
    return bad("missing port");
  std::string_view host = rest.substr(0, colon);
  if (!host.empty() && host.front() == '[') {
    if (host.size() < 2 || host.back() != ']')
      return bad("unbalanced brackets");
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return bad("an IPv6 host must be in brackets");
  }
  unsigned long long port = 0;
  if (!base::parseUint64(rest.substr(colon + 1), port) || port > 65535) {
    return bad("port must be a number from 0 to 65535");
  }
  out.host = std::string(host);
  out.port = static_cast<std::uint16_t>(port);
  return out;
}

bool decodeValue(const Node& n, ListenAddress& out, Decoder& d) {
  std::string text;
  if (!decodeValue(n, text, d))
    return false;
  if (n.isNull())
    return true;
  auto parsed = parseListenAddress(base::trim(text));
  if (!parsed)
    return d.fail(n, parsed.error().message);
  out = std::move(*parsed);
  return true;
}

bool validate(EntryPoint& e, const Node& n, Decoder& d) {
  if (e.address.text.empty()) {
    return d.fail(n, "missing `address` (e.g. :80)");
  }
  return true;
}

bool validate(RedirectEntryPoint& r, const Node& n, Decoder& d) {
  if (r.to.empty())
    return d.fail(n, "missing `to` (an entry point name or :port)");
  return true;
}

bool validate(FileProvider& f, const Node& n, Decoder& d) {
  if (f.filename.empty() == f.directory.empty()) {
    return d.fail(n, "exactly one of `filename` or `directory` is required");
  }
  return true;
}

bool validate(Api& a, const Node& n, Decoder& d) {
  bool ok = !a.base_path.empty() && a.base_path.front() == '/';
  for (char c : a.base_path) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    ok = ok && (alnum || std::string_view("/_.:~-").find(c) != std::string_view::npos);
  }
  if (!ok)
    return d.fail(n, "basePath must start with / and use only letters, digits and /_.:~-");
  return true;
}

bool validate(Acme& a, const Node& n, Decoder& d) {
  if (a.storage.empty())
    return d.fail(n, "`storage` must not be empty");
  return true;
}

bool validate(Core& c, const Node& n, Decoder& d) {
  if (base::iequals(c.default_rule_syntax, "v2")) {
    return d.fail(n, "defaultRuleSyntax v2 is not supported by Pier; write rules in v3 syntax");
  }
  if (!base::iequals(c.default_rule_syntax, "v3")) {
    return d.fail(n, "defaultRuleSyntax: expected v3, got \"" + c.default_rule_syntax + "\"");
  }
  return true;
}

bool validate(Providers& p, const Node& n, Decoder& d) {
  static constexpr std::string_view kKnown[] = {"kubernetesgateway",
                                                "kubernetescrd",
                                                "kubernetes",
                                                "kubernetesingressnginx",
                                                "swarm",
                                                "docker",
                                                "file",
                                                "redis",
                                                "knative",
                                                "consul",
                                                "consulcatalog",
                                                "nomad",
                                                "etcd",
                                                "ecs",
                                                "http",
                                                "zookeeper",
                                                "rest"};
  for (const auto& name : p.precedence) {
    bool known = false;
    for (auto k : kKnown)
      known = known || base::iequals(name, k);
    if (!known)
      return d.fail(n, "precedence: unknown provider \"" + name + "\"");
  }
  return true;
}

// ---- describe(): one per struct --------------------------------------------------------------

template <class V>
void describe(V& v, RedirectEntryPoint& r) {
  v("to", r.to);
  v("scheme", r.scheme);
  v("permanent", r.permanent);
  v("priority", r.priority);
}

template <class V>
void describe(V& v, EntryPointRedirections& r) {
  v("entryPoint", r.entry_point, kNeedsChild);
}

template <class V>
void describe(V& v, EntryPointTls& t) {
  v("options", t.options);
  v("certResolver", t.cert_resolver);
  v("domains", t.domains);
}

template <class V>
void describe(V& v, EncodedCharacters& e) {
  v("allowEncodedSlash", e.allow_encoded_slash);
  v("allowEncodedBackSlash", e.allow_encoded_back_slash);
  v("allowEncodedNullCharacter", e.allow_encoded_null_character);
  v("allowEncodedSemicolon", e.allow_encoded_semicolon);
  v("allowEncodedPercent", e.allow_encoded_percent);
  v("allowEncodedQuestionMark", e.allow_encoded_question_mark);
  v("allowEncodedHash", e.allow_encoded_hash);
}

template <class V>
void describe(V& v, EntryPointHttp& h) {
  v("redirections", h.redirections);
  v("middlewares", h.middlewares);
  v("tls", h.tls);
  v("maxHeaderBytes", h.max_header_bytes);
  v("sanitizePath", h.sanitize_path);
  v("encodeQuerySemicolons", h.encode_query_semicolons);
  v("encodedCharacters", h.encoded_characters);
  v("underscoreHeadersStrategy",
    Choice{h.underscore_headers_strategy, {"keep", "delete", "reject"}});
}

template <class V>
void describe(V& v, EntryPointHttp2& h) {
  v("maxConcurrentStreams", h.max_concurrent_streams);
  v("maxDecoderHeaderTableSize", h.max_decoder_header_table_size);
  v("maxEncoderHeaderTableSize", h.max_encoder_header_table_size);
}

template <class V>
void describe(V& v, ForwardedHeaders& f) {
  v("trustedIPs", f.trusted_ips);
  v("insecure", f.insecure);
  v("connection", f.connection);
  v("notAppendXForwardedFor", f.not_append_x_forwarded_for);
  v("addXForwardedSchemeHeaders", f.add_x_forwarded_scheme_headers);
}

template <class V>
void describe(V& v, ProxyProtocol& p) {
  v("trustedIPs", p.trusted_ips);
  v("insecure", p.insecure);
}

template <class V>
void describe(V& v, RespondingTimeouts& r) {
  v("readTimeout", r.read_timeout);
  v("writeTimeout", r.write_timeout);
  v("idleTimeout", r.idle_timeout);
}

template <class V>
void describe(V& v, LifeCycle& l) {
  v("requestAcceptGraceTimeout", l.request_accept_grace_timeout);
  v("graceTimeOut", l.grace_time_out);
}

template <class V>
void describe(V& v, EntryPointTransport& t) {
  v("respondingTimeouts", t.responding_timeouts);
  v("lifeCycle", t.life_cycle);
  v("keepAliveMaxRequests", t.keep_alive_max_requests);
  v("keepAliveMaxTime", t.keep_alive_max_time);
}

template <class V>
void describe(V& v, EntryPointUdp& u) {
  v("timeout", u.timeout);
}

template <class V>
void describe(V& v, EntryPointObservability& o) {
  v("accessLogs", o.access_logs);
  v("metrics", o.metrics);
  v("tracing", o.tracing);
  v("traceVerbosity", o.trace_verbosity);
}

template <class V>
void describe(V& v, EntryPoint& e) {
  v("address", e.address);
  v("asDefault", e.as_default);
  v("reusePort", e.reuse_port);
  v("allowACMEByPass", e.allow_acme_by_pass);
  v("http", e.http);
  v("http2", e.http2);
  v("http3", e.http3, kUnsupported);
  v("forwardedHeaders", e.forwarded_headers);
  v("proxyProtocol", e.proxy_protocol);
  v("transport", e.transport);
  v("udp", e.udp);
  v("observability", e.observability);
}

template <class V>
void describe(V& v, ClientTls& t) {
  v("ca", t.ca);
  v("cert", t.cert);
  v("key", t.key);
  v("insecureSkipVerify", t.insecure_skip_verify);
}

template <class V>
void describe(V& v, DockerProvider& p) {
  v("endpoint", p.endpoint);
  v("username", p.username);
  v("password", p.password);
  v("tls", p.tls, kNeedsChild);
  v("httpClientTimeout", p.http_client_timeout);
  v("watch", p.watch);
  v("exposedByDefault", p.exposed_by_default);
  v("defaultRule", p.default_rule);
  v("network", p.network);
  v("constraints", p.constraints);
  v("useBindPortIP", p.use_bind_port_ip);
  v("allowEmptyServices", p.allow_empty_services);
}

template <class V>
void describe(V& v, SwarmProvider& p) {
  describe(v, static_cast<DockerProvider&>(p));
  v("refreshSeconds", p.refresh_seconds);
}

template <class V>
void describe(V& v, FileProvider& f) {
  v("filename", f.filename);
  v("directory", f.directory);
  v("watch", f.watch);
  v("debugLogGeneratedTemplate", f.debug_log_generated_template);
}

template <class V>
void describe(V& v, Providers& p) {
  v("providersThrottleDuration", p.providers_throttle_duration);
  v("file", p.file, kNeedsChild);
  v("docker", p.docker);
  v("swarm", p.swarm);
  v("precedence", p.precedence);
  for (const char* other : {"kubernetesCRD", "kubernetesIngress", "kubernetesIngressNGINX",
                            "kubernetesGateway", "knative", "consul", "consulCatalog", "etcd",
                            "redis", "zooKeeper", "http", "nomad", "ecs", "rest", "plugin"}) {
    v(other, Ignored{}, kUnsupported);
  }
}

template <class V>
void describe(V& v, Ping& p) {
  v("entryPoint", p.entry_point);
  v("manualRouting", p.manual_routing);
  v("terminatingStatusCode", p.terminating_status_code);
}

template <class V>
void describe(V& v, Log& l) {
  v("level", Choice{l.level, {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "PANIC"}});
  v("format", Choice{l.format, {"common", "json"}});
  v("filePath", l.file_path);
  v("noColor", l.no_color);
  v("maxSize", l.max_size);
  v("maxAge", l.max_age);
  v("maxBackups", l.max_backups);
  v("compress", l.compress);
}

template <class V>
void describe(V& v, Api& a) {
  v("insecure", a.insecure);
  v("dashboard", a.dashboard);
  v("basePath", a.base_path);
  v("debug", a.debug);
  v("disableDashboardAd", a.disable_dashboard_ad);
  v("dashboardName", a.dashboard_name);
}

template <class V>
void describe(V& v, Prometheus& p) {
  v("buckets", p.buckets);
  v("addEntryPointsLabels", p.add_entry_points_labels);
  v("addRoutersLabels", p.add_routers_labels);
  v("addServicesLabels", p.add_services_labels);
  v("entryPoint", p.entry_point);
  v("manualRouting", p.manual_routing);
  v("headerLabels", p.header_labels);
}

template <class V>
void describe(V& v, Metrics& m) {
  v("addInternals", m.add_internals);
  v("prometheus", m.prometheus);
  for (const char* other : {"datadog", "statsD", "influxDB2", "otlp"}) {
    v(other, Ignored{}, kUnsupported);
  }
}

template <class V>
void describe(V& v, AccessLogFilters& f) {
  v("statusCodes", f.status_codes);
  v("retryAttempts", f.retry_attempts);
  v("minDuration", f.min_duration);
}

template <class V>
void describe(V& v, FieldHeaders& h) {
  v("defaultMode", Choice{h.default_mode, {"keep", "drop", "redact"}});
  v("names", h.names);
}

template <class V>
void describe(V& v, FieldQueryParameters& q) {
  v("defaultMode", Choice{q.default_mode, {"keep", "drop", "redact"}});
  v("names", q.names);
}

template <class V>
void describe(V& v, AccessLogFields& f) {
  v("defaultMode", Choice{f.default_mode, {"keep", "drop"}});
  v("names", f.names);
  v("headers", f.headers);
  v("queryParameters", f.query_parameters);
}

template <class V>
void describe(V& v, AccessLog& a) {
  v("filePath", a.file_path);
  v("format", Choice{a.format, {"common", "genericCLF", "json"}});
  v("bufferingSize", a.buffering_size);
  v("addInternals", a.add_internals);
  v("filters", a.filters, kNeedsChild);
  v("fields", a.fields, kNeedsChild);
}

template <class V>
void describe(V& v, StaticServersTransport& t) {
  v("insecureSkipVerify", t.insecure_skip_verify);
  v("rootCAs", t.root_cas);
  v("maxIdleConnsPerHost", t.max_idle_conns_per_host);
  v("forwardingTimeouts", t.forwarding_timeouts);
  v("spiffe", t.spiffe, kUnsupported);
}

template <class V>
void describe(V& v, TcpClientTls& t) {
  v("insecureSkipVerify", t.insecure_skip_verify);
  v("rootCAs", t.root_cas);
  v("spiffe", t.spiffe, kUnsupported);
}

template <class V>
void describe(V& v, StaticTcpServersTransport& t) {
  v("dialTimeout", t.dial_timeout);
  v("dialKeepAlive", t.dial_keep_alive);
  v("terminationDelay", t.termination_delay);
  v("tls", t.tls);
}

template <class V>
void describe(V& v, AcmeEab& e) {
  v("kid", e.kid);
  v("hmacEncoded", e.hmac_encoded);
}

template <class V>
void describe(V& v, AcmeHttpChallenge& c) {
  v("entryPoint", c.entry_point);
  v("delay", c.delay);
}

template <class V>
void describe(V& v, AcmeTlsChallenge& c) {
  v("delay", c.delay);
}

template <class V>
void describe(V& v, AcmeDnsChallenge& c) {
  v("provider", c.provider);
  v("resolvers", c.resolvers);
  v("propagation", c.propagation);
  v("delayBeforeCheck", c.delay_before_check);
  v("disablePropagationCheck", c.disable_propagation_check);
}

template <class V>
void describe(V& v, Acme& a) {
  v("email", a.email);
  v("caServer", a.ca_server);
  v("storage", a.storage);
  v("keyType", Choice{a.key_type, {"EC256", "EC384", "RSA2048", "RSA4096", "RSA8192"}});
  v("certificatesDuration", a.certificates_duration);
  v("preferredChain", a.preferred_chain);
  v("profile", a.profile);
  v("emailAddresses", a.email_addresses);
  v("disableCommonName", a.disable_common_name);
  v("eab", a.eab, kNeedsChild);
  v("caCertificates", a.ca_certificates);
  v("caSystemCertPool", a.ca_system_cert_pool);
  v("caServerName", a.ca_server_name);
  v("clientTimeout", a.client_timeout);
  v("clientResponseHeaderTimeout", a.client_response_header_timeout);
  v("certificateTimeout", a.certificate_timeout);
  v("httpChallenge", a.http_challenge);
  v("tlsChallenge", a.tls_challenge);
  v("dnsChallenge", a.dns_challenge);
}

template <class V>
void describe(V& v, CertificateResolver& r) {
  v("acme", r.acme, kNeedsChild);
  v("tailscale", r.tailscale, kUnsupported);
}

template <class V>
void describe(V& v, Global& g) {
  v("checkNewVersion", g.check_new_version);
  v("sendAnonymousUsage", g.send_anonymous_usage);
  v("notAppendXForwardedFor", g.not_append_x_forwarded_for);
}

template <class V>
void describe(V& v, Core& c) {
  v("defaultRuleSyntax", c.default_rule_syntax);
}

template <class V>
void describe(V& v, StaticConfig& s) {
  v("entryPoints", s.entry_points);
  v("providers", s.providers);
  v("api", s.api);
  v("ping", s.ping);
  v("log", s.log);
  v("accessLog", s.access_log);
  v("metrics", s.metrics, kNeedsChild);
  v("serversTransport", s.servers_transport);
  v("tcpServersTransport", s.tcp_servers_transport);
  v("certificatesResolvers", s.certificates_resolvers);
  v("global", s.global);
  v("core", s.core);
  v("workers", s.workers);
  for (const char* other : {"tracing", "experimental", "hostResolver", "spiffe", "ocsp"}) {
    v(other, Ignored{}, kUnsupported);
  }
}

// ---- entry points ----------------------------------------------------------------------------

Result<StaticConfig> decodeStaticNode(const Node& root, bool from_file,
                                      std::vector<std::string>& warnings) {
  DecodeOptions options;
  options.lenient_top_level = from_file;
  Decoder d(options);
  StaticConfig out;
  bool ok = decodeValue(root, out, d);
  for (auto& w : d.warnings())
    warnings.push_back(std::move(w));
  if (!ok)
    return fail(d.error());
  return out;
}

FlagArity staticFlagArity(std::string_view key) {
  std::vector<std::string> segments = probeSegments(key);
  if (segments.empty())
    return FlagArity::Unknown;
  StaticConfig tmp;
  return probeValue(std::span<const std::string>(segments), tmp, false);
}

bool isStaticRoot(std::string_view name) {
  for (const auto& field : fieldPaths<StaticConfig>(false, 1)) {
    if (base::iequals(field, name))
      return true;
  }
  return false;
}

namespace {

struct Removed {
  std::string_view path;  // lower-case, dotted; `*` matches any name
  std::string_view advice;
};

constexpr Removed kRemoved[] = {
    {"providers.docker.swarmmode", "use the providers.swarm section"},
    {"providers.docker.swarmmoderefreshseconds", "use providers.swarm.refreshSeconds"},
    {"providers.docker.tls.caoptional", "remove it"},
    {"providers.swarm.tls.caoptional", "remove it"},
    {"providers.marathon", "the Marathon provider no longer exists"},
    {"providers.rancher", "the Rancher provider no longer exists"},
    {"pilot", "Traefik Pilot no longer exists"},
    {"metrics.influxdb", "use metrics.influxDB2"},
    {"tracing.jaeger", "use tracing.otlp"},
    {"tracing.zipkin", "use tracing.otlp"},
    {"tracing.datadog", "use tracing.otlp"},
    {"tracing.instana", "use tracing.otlp"},
    {"tracing.haystack", "use tracing.otlp"},
    {"tracing.elastic", "use tracing.otlp"},
    {"experimental.http3", "HTTP/3 is configured per entry point (entryPoints.<name>.http3)"},
};

const Node* findPath(const Node& root, std::string_view dotted) {
  const Node* cur = &root;
  for (const auto& seg : base::splitTrim(dotted, '.')) {
    cur = cur->find(seg);
    if (!cur)
      return nullptr;
  }
  return cur;
}

}  // namespace

Result<void> checkRemovedOptions(const Node& root) {
  for (const auto& r : kRemoved) {
    if (const Node* n = findPath(root, r.path)) {
      std::string where = n->where().empty() ? "" : n->where() + ": ";
      return fail(Error::config(where + "option `" + std::string(r.path) +
                                "` was removed in Traefik v3 (" + std::string(r.advice) + ")"));
    }
  }
  return {};
}

}  // namespace pier::config
