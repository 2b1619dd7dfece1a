// Field lists of the dynamic model and the checks that need a source position (one type per
// service and per middleware).
#include "config/dynamic_decode.h"

#include "config/decode.h"
#include "config/flat_keys.h"
#include "config/shared_schema.h"
#include "config/yaml.h"

namespace pier::config {

const std::vector<std::string>& httpMiddlewareKinds() {
  static const std::vector<std::string> kinds = {
      "addPrefix",      "basicAuth",     "digestAuth",       "buffering",   "chain",
      "circuitBreaker", "compress",      "contentType",      "errors",      "forwardAuth",
      "headers",        "ipAllowList",   "ipWhiteList",      "inFlightReq", "passTLSClientCert",
      "rateLimit",      "redirectRegex", "redirectScheme",   "replacePath", "replacePathRegex",
      "retry",          "stripPrefix",   "stripPrefixRegex", "grpcWeb",     "plugin"};
  return kinds;
}

const std::vector<std::string>& tcpMiddlewareKinds() {
  static const std::vector<std::string> kinds = {"inFlightConn", "ipAllowList", "ipWhiteList"};
  return kinds;
}

// ---- one-type objects ------------------------------------------------------------------------

// A map of middlewares whose single child key names the kind.
struct MiddlewareMap {
  std::map<std::string, Middleware>& out;
  const std::vector<std::string>& kinds;
};

namespace {

bool decodeMiddleware(const Node& n, Middleware& out, const std::vector<std::string>& kinds,
                      Decoder& d) {
  if (!n.isMap() || n.children().empty()) {
    return d.fail(n, "expected one middleware type with its options (e.g. stripPrefix), got " +
                         std::string(kindName(n)));
  }
  if (n.children().size() > 1) {
    return d.fail(n, "a middleware has exactly one type, got `" + n.children()[0].first +
                         "` and `" + n.children()[1].first + "`");
  }
  const auto& [key, options] = n.children().front();
  for (const auto& kind : kinds) {
    if (base::iequals(kind, key)) {
      out.type = kind;
      out.options = options;
      return true;
    }
  }
  std::string best = suggest(key, kinds);
  return d.fail(options, "unknown middleware type `" + key + "`" +
                             (best.empty() ? "" : "; did you mean `" + best + "`?"));
}

}  // namespace

bool decodeValue(const Node& n, MiddlewareMap&& m, Decoder& d) {
  if (n.isNull())
    return true;
  if (!n.isMap())
    return d.fail(n, "expected named middlewares, got " + std::string(kindName(n)));
  for (const auto& [name, child] : n.children()) {
    d.push(name);
    bool ok = decodeMiddleware(child, m.out[name], m.kinds, d);
    d.pop();
    if (!ok)
      return false;
  }
  return true;
}

// Services with two types or none are not decode errors: spec I.2 disables only that service,
// which the snapshot builder does. So HttpService/TcpService/UdpService need no validate().

// ---- describe(): HTTP ------------------------------------------------------------------------

template <class V>
void describe(V& v, RouterTls& t) {
  v("options", t.options);
  v("certResolver", t.cert_resolver);
  v("domains", t.domains);
}

template <class V>
void describe(V& v, RouterObservability& o) {
  v("accessLogs", o.access_logs);
  v("metrics", o.metrics);
  v("tracing", o.tracing);
  v("traceVerbosity", o.trace_verbosity);
}

template <class V>
void describe(V& v, HttpRouter& r) {
  v("entryPoints", r.entry_points);
  v("rule", r.rule);
  v("ruleSyntax", r.rule_syntax);
  v("priority", r.priority);
  v("service", r.service);
  v("middlewares", r.middlewares);
  v("tls", r.tls);
  v("observability", r.observability);
}

template <class V>
void describe(V& v, HttpServer& s) {
  v("url", s.url);
  v("weight", s.weight);
  v("preservePath", s.preserve_path);
  v("scheme", s.scheme, kLabelOnly);
  v("port", s.port, kLabelOnly);
}

template <class V>
void describe(V& v, Cookie& c) {
  v("name", c.name);
  v("secure", c.secure);
  v("httpOnly", c.http_only);
  v("sameSite", c.same_site);
  v("maxAge", c.max_age);
  v("path", c.path);
  v("domain", c.domain);
  v("partitioned", c.partitioned);
}

template <class V>
void describe(V& v, Sticky& s) {
  v("cookie", s.cookie);
}

template <class V>
void describe(V& v, ServerHealthCheck& h) {
  v("scheme", h.scheme);
  v("mode", h.mode);
  v("path", h.path);
  v("method", h.method);
  v("status", h.status);
  v("port", h.port);
  v("interval", h.interval);
  v("unhealthyInterval", h.unhealthy_interval);
  v("timeout", h.timeout);
  v("hostname", h.hostname);
  v("followRedirects", h.follow_redirects);
  v("headers", h.headers);
}

template <class V>
void describe(V& v, PassiveHealthCheck& p) {
  v("failureWindow", p.failure_window);
  v("maxFailedAttempts", p.max_failed_attempts);
}

template <class V>
void describe(V& v, ResponseForwarding& r) {
  v("flushInterval", r.flush_interval);
}

template <class V>
void describe(V& v, HttpLoadBalancer& lb) {
  v("servers", lb.servers);
  v("server", FirstItem<HttpServer>{lb.servers}, kLabelOnly);
  v("sticky", lb.sticky, kNeedsChild);
  v("strategy", lb.strategy);
  v("healthCheck", lb.health_check, kNeedsChild);
  v("passiveHealthCheck", lb.passive_health_check);
  v("passHostHeader", lb.pass_host_header);
  v("responseForwarding", lb.response_forwarding);
  v("serversTransport", lb.servers_transport);
}

template <class V>
void describe(V&, EmptyHealthCheck&) {}

template <class V>
void describe(V& v, WeightedRef& w) {
  v("name", w.name);
  v("weight", w.weight);
}

template <class V>
void describe(V& v, WeightedService& w) {
  v("services", w.services);
  v("sticky", w.sticky, kNeedsChild);
  v("healthCheck", w.health_check);
}

template <class V>
void describe(V& v, MirrorRef& m) {
  v("name", m.name);
  v("percent", m.percent);
}

template <class V>
void describe(V& v, MirroringService& m) {
  v("service", m.service);
  v("mirrors", m.mirrors);
  v("maxBodySize", m.max_body_size);
  v("mirrorBody", m.mirror_body);
  v("healthCheck", m.health_check);
}

template <class V>
void describe(V& v, FailoverErrors& e) {
  v("status", e.status);
  v("maxRequestBodyBytes", e.max_request_body_bytes);
}

template <class V>
void describe(V& v, FailoverService& f) {
  v("service", f.service);
  v("fallback", f.fallback);
  v("healthCheck", f.health_check);
  v("errors", f.errors, kNeedsChild);
}

template <class V>
void describe(V& v, HttpService& s) {
  v("loadBalancer", s.load_balancer);
  v("weighted", s.weighted, kNeedsChild);
  v("mirroring", s.mirroring, kNeedsChild);
  v("failover", s.failover, kNeedsChild);
  v("highestRandomWeight", s.highest_random_weight, kNeedsChild);
}

template <class V>
void describe(V& v, CertificateFiles& c) {
  v("certFile", c.cert_file);
  v("keyFile", c.key_file);
}

template <class V>
void describe(V& v, HttpServersTransport& t) {
  v("serverName", t.server_name);
  v("insecureSkipVerify", t.insecure_skip_verify);
  v("rootCAs", t.root_cas);
  v("certificates", t.certificates);
  v("maxIdleConnsPerHost", t.max_idle_conns_per_host);
  v("forwardingTimeouts", t.forwarding_timeouts);
  v("disableHTTP2", t.disable_http2);
  v("cipherSuites", t.cipher_suites);
  v("minVersion", t.min_version);
  v("maxVersion", t.max_version);
  v("peerCertURI", t.peer_cert_uri);
  v("spiffe", Ignored{}, kUnsupported);
}

template <class V>
void describe(V& v, HttpConfig& h) {
  v("routers", h.routers);
  v("services", h.services);
  v("middlewares", MiddlewareMap{h.middlewares, httpMiddlewareKinds()});
  v("serversTransports", h.servers_transports);
}

// ---- describe(): TCP, UDP ----------------------------------------------------------------------

template <class V>
void describe(V& v, TcpRouterTls& t) {
  v("passthrough", t.passthrough);
  v("options", t.options);
  v("certResolver", t.cert_resolver);
  v("domains", t.domains);
}

template <class V>
void describe(V& v, TcpRouter& r) {
  v("entryPoints", r.entry_points);
  v("rule", r.rule);
  v("ruleSyntax", r.rule_syntax);
  v("priority", r.priority);
  v("service", r.service);
  v("middlewares", r.middlewares);
  v("tls", r.tls);
}

template <class V>
void describe(V& v, TcpServer& s) {
  v("address", s.address);
  v("tls", s.tls);
  v("weight", s.weight);
  v("port", s.port, kLabelOnly);
}

template <class V>
void describe(V& v, TcpProxyProtocol& p) {
  v("version", p.version);
}

template <class V>
void describe(V& v, TcpServerHealthCheck& h) {
  v("port", h.port);
  v("send", h.send);
  v("expect", h.expect);
  v("interval", h.interval);
  v("unhealthyInterval", h.unhealthy_interval);
  v("timeout", h.timeout);
}

template <class V>
void describe(V& v, TcpLoadBalancer& lb) {
  v("servers", lb.servers);
  v("server", FirstItem<TcpServer>{lb.servers}, kLabelOnly);
  v("proxyProtocol", lb.proxy_protocol);
  v("serversTransport", lb.servers_transport);
  v("terminationDelay", lb.termination_delay);
  v("healthCheck", lb.health_check, kNeedsChild);
}

template <class V>
void describe(V& v, TcpWeightedService& w) {
  v("services", w.services);
  v("healthCheck", w.health_check);
}

template <class V>
void describe(V& v, TcpService& s) {
  v("loadBalancer", s.load_balancer);
  v("weighted", s.weighted, kNeedsChild);
}

template <class V>
void describe(V& v, TcpTransportTls& t) {
  v("serverName", t.server_name);
  v("insecureSkipVerify", t.insecure_skip_verify);
  v("rootCAs", t.root_cas);
  v("certificates", t.certificates);
  v("peerCertURI", t.peer_cert_uri);
  v("spiffe", Ignored{}, kUnsupported);
}

template <class V>
void describe(V& v, TcpServersTransport& t) {
  v("dialKeepAlive", t.dial_keep_alive);
  v("dialTimeout", t.dial_timeout);
  v("terminationDelay", t.termination_delay);
  v("proxyProtocol", t.proxy_protocol);
  v("tls", t.tls);
}

template <class V>
void describe(V& v, TcpConfig& t) {
  v("routers", t.routers);
  v("services", t.services);
  v("middlewares", MiddlewareMap{t.middlewares, tcpMiddlewareKinds()});
  v("serversTransports", t.servers_transports);
}

template <class V>
void describe(V& v, UdpRouter& r) {
  v("entryPoints", r.entry_points);
  v("service", r.service);
}

template <class V>
void describe(V& v, UdpServer& s) {
  v("address", s.address);
  v("port", s.port, kLabelOnly);
}

template <class V>
void describe(V& v, UdpLoadBalancer& lb) {
  v("servers", lb.servers);
  v("server", FirstItem<UdpServer>{lb.servers}, kLabelOnly);
}

template <class V>
void describe(V& v, UdpService& s) {
  v("loadBalancer", s.load_balancer);
  v("weighted", s.weighted, kNeedsChild);
}

template <class V>
void describe(V& v, UdpConfig& u) {
  v("routers", u.routers);
  v("services", u.services);
}

// ---- describe(): TLS and root -------------------------------------------------------------------

template <class V>
void describe(V& v, TlsCertificate& c) {
  v("certFile", c.cert_file);
  v("keyFile", c.key_file);
  v("stores", c.stores);
}

template <class V>
void describe(V& v, ClientAuth& c) {
  v("caFiles", c.ca_files);
  v("clientAuthType", c.client_auth_type);
}

template <class V>
void describe(V& v, TlsOptions& o) {
  v("minVersion", o.min_version);
  v("maxVersion", o.max_version);
  v("cipherSuites", o.cipher_suites);
  v("curvePreferences", o.curve_preferences);
  v("sniStrict", o.sni_strict);
  v("alpnProtocols", o.alpn_protocols);
  v("disableSessionTickets", o.disable_session_tickets);
  v("clientAuth", o.client_auth, kNeedsChild);
  v("preferServerCipherSuites", o.prefer_server_cipher_suites);
}

template <class V>
void describe(V& v, GeneratedCert& g) {
  v("resolver", g.resolver);
  v("domain", g.domain);
}

template <class V>
void describe(V& v, TlsStore& s) {
  v("defaultCertificate", s.default_certificate, kNeedsChild);
  v("defaultGeneratedCert", s.default_generated_cert, kNeedsChild);
}

template <class V>
void describe(V& v, TlsConfig& t) {
  v("certificates", t.certificates);
  v("options", t.options);
  v("stores", t.stores);
}

template <class V>
void describe(V& v, DynamicConfig& c) {
  v("http", c.http);
  v("tcp", c.tcp);
  v("udp", c.udp);
  v("tls", c.tls);
}

// ---- entry points ----------------------------------------------------------------------------

Result<DynamicConfig> decodeDynamicNode(const Node& root, bool labels) {
  DecodeOptions options;
  options.labels = labels;
  Decoder d(options);
  DynamicConfig out;
  if (!decodeValue(root, out, d))
    return fail(d.error());
  return out;
}

Result<DynamicConfig> parseDynamicYaml(std::string_view text, const std::string& file_name) {
  auto tree = parseYaml(text, file_name);
  if (!tree)
    return fail(tree.error());
  return decodeDynamicNode(*tree, false);
}

Result<DynamicConfig> decodeDynamicFlat(const std::map<std::string, std::string>& flat,
                                        const std::string& source_prefix) {
  std::vector<FlatEntry> entries;
  entries.reserve(flat.size());
  for (const auto& [key, value] : flat) {
    entries.push_back(FlatEntry{key, value, source_prefix + key});
  }
  auto tree = flatToNode(entries);
  if (!tree)
    return fail(tree.error());
  return decodeDynamicNode(*tree, true);
}

}  // namespace pier::config
