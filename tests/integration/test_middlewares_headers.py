"""The headers middleware (spec E.4): custom headers, security headers and CORS."""

from __future__ import annotations

from mwhelp import start
from rawhttp import backend_view


def test_custom_request_and_response_headers(pier_factory, backend):
    p = start(pier_factory, backend, {"h": {"headers": {
        "customRequestHeaders": {"X-Script-Name": "test", "X-Drop-Me": ""},
        "customResponseHeaders": {"X-Custom-Response-Header": "value", "X-Backend-Name": ""}}}})
    r = p.get("/", headers=[("X-Drop-Me", "1")])
    v = backend_view(r)
    assert v.header_all("X-Script-Name") == ["test"]
    assert v.header("X-Drop-Me") is None
    assert r.header("X-Custom-Response-Header") == "value"
    assert r.header("X-Backend-Name") is None  # removed by the empty value


def test_security_headers(pier_factory, backend):
    p = start(pier_factory, backend, {"h": {"headers": {
        "frameDeny": True, "contentTypeNosniff": True, "browserXssFilter": True,
        "contentSecurityPolicy": "default-src 'self'", "referrerPolicy": "no-referrer",
        "permissionsPolicy": "camera=()", "stsSeconds": 31536000, "stsIncludeSubdomains": True,
        "stsPreload": True}}})
    r = p.get("/")
    assert r.status == 200
    assert r.header("X-Frame-Options") == "DENY"
    assert r.header("X-Content-Type-Options") == "nosniff"
    assert r.header("X-Xss-Protection") == "1; mode=block"
    assert r.header("Content-Security-Policy") == "default-src 'self'"
    assert r.header("Referrer-Policy") == "no-referrer"
    assert r.header("Permissions-Policy") == "camera=()"
    # Plain HTTP: no HSTS unless forced or an sslProxyHeaders match.
    assert r.header("Strict-Transport-Security") is None


def test_sts_forced_and_via_ssl_proxy_header(pier_factory, backend):
    p = start(pier_factory, backend, {
        "forced": {"headers": {"stsSeconds": 60, "forceSTSHeader": True}},
        "proxied": {"headers": {"stsSeconds": 60, "sslProxyHeaders": {"X-Forwarded-Ssl": "on"}}}},
        use=["forced"], extra_routers={"r2": {"rule": "PathPrefix(`/p`)", "service": "s", "middlewares": ["proxied"]}})
    assert p.get("/").header("Strict-Transport-Security") == "max-age=60"
    assert p.get("/p").header("Strict-Transport-Security") is None
    assert p.get("/p", headers=[("X-Forwarded-Ssl", "on")]).header("Strict-Transport-Security") == "max-age=60"


def test_allowed_hosts(pier_factory, backend):
    p = start(pier_factory, backend, {"h": {"headers": {"allowedHosts": ["good.test"],
                                                       "hostsProxyHeaders": ["X-Forwarded-Host"]}}})
    assert p.get("/", host="good.test").status == 200
    r = p.get("/", host="bad.test")
    assert r.status == 500
    assert r.body == b"Bad Host\n"


def test_cors_preflight_answered_by_proxy(pier_factory, backend):
    p = start(pier_factory, backend, {"cors": {"headers": {
        "accessControlAllowMethods": ["GET", "OPTIONS", "PUT"],
        "accessControlAllowHeaders": ["X-Custom"],
        "accessControlAllowOriginList": ["https://app.test"],
        "accessControlMaxAge": 100, "addVaryHeader": True}}})
    r = p.request("OPTIONS", "/", headers=[("Origin", "https://app.test"),
                                            ("Access-Control-Request-Method", "PUT")])
    assert r.status == 200
    assert r.header("Access-Control-Allow-Origin") == "https://app.test"
    assert r.header("Access-Control-Allow-Methods") == "GET,OPTIONS,PUT"
    assert r.header("Access-Control-Allow-Headers") == "X-Custom"
    assert r.header("Access-Control-Max-Age") == "100"
    assert r.header("Content-Length") == "0"
    assert backend.requests_seen() == []
    # A simple request goes to the backend and gets the CORS response headers.
    r = p.get("/", headers=[("Origin", "https://app.test")])
    assert r.status == 200
    backend_view(r)
    assert r.header("Access-Control-Allow-Origin") == "https://app.test"
    assert r.header("Vary") == "Origin"
    # Unknown origin: no Allow-Origin.
    r = p.get("/", headers=[("Origin", "https://evil.test")])
    assert r.header("Access-Control-Allow-Origin") is None


def test_cors_wildcard_with_credentials_echoes_origin(pier_factory, backend):
    p = start(pier_factory, backend, {"cors": {"headers": {
        "accessControlAllowOriginList": ["*"], "accessControlAllowCredentials": True,
        "accessControlAllowMethods": ["*"]}}})
    r = p.request("OPTIONS", "/", headers=[("Origin", "https://x.test"), ("Access-Control-Request-Method", "PATCH")])
    assert r.header("Access-Control-Allow-Origin") == "https://x.test"
    assert r.header("Access-Control-Allow-Credentials") == "true"
    assert r.header("Access-Control-Allow-Methods") == "PATCH"


def test_headers_apply_to_a_later_middlewares_answer(pier_factory, backend):
    """headers wraps what follows it: a 401 from basicAuth still carries its response headers."""
    p = start(pier_factory, backend, {
        "h": {"headers": {"customResponseHeaders": {"X-Seen": "yes"}}},
        "auth": {"basicAuth": {"users": ["u:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ="]}}}, use=["h", "auth"])
    r = p.get("/")
    assert r.status == 401
    assert r.header("X-Seen") == "yes"


def test_empty_x_forwarded_for_suppresses_it(pier_factory, backend):
    """customRequestHeaders X-Forwarded-For "" : the backend gets no X-Forwarded-For at all."""
    p = start(pier_factory, backend, {"h": {"headers": {"customRequestHeaders": {"X-Forwarded-For": ""}}}})
    v = backend_view(p.get("/"))
    assert v.header("X-Forwarded-For") is None
