"""Rule language and priorities through real requests (spec section C; case ids in docstrings)."""

from __future__ import annotations

import rawhttp
from harness import who

NOT_FOUND_BODY = b"404 page not found\n"


def assert_404(pier, target="/", host="localhost", **kw):
    r = pier.get(target, host, **kw)
    assert r.status == 404, r
    assert r.body == NOT_FOUND_BODY, r
    return r


def test_host(routed):
    """C.2 Host; C1.3 case-insensitive and port stripped; trailing dot ignored."""
    p = routed({"a": "Host(`a.test`)", "b": "Host(`Example.COM`)"})
    assert who(p, "/", "a.test") == "a"
    assert who(p, "/x/y?z=1", "A.TEST") == "a"
    assert who(p, "/", "a.test:8080") == "a"
    assert who(p, "/", "a.test.") == "a"
    assert who(p, "/", "example.com:8080") == "b"  # C1.3
    assert_404(p, "/", "b.test")
    assert_404(p, "/", "aa.test")
    assert_404(p, "/", "sub.a.test")


def test_host_wildcard(routed):
    """C1.4: `*.suffix` matches exactly one extra label."""
    p = routed({"w": "Host(`*.example.com`)"})
    assert who(p, "/", "a.example.com") == "w"
    assert_404(p, "/", "a.b.example.com")
    assert_404(p, "/", "example.com")


def test_host_star_matches_empty_host(routed):
    """C1.5: Host(`*`) matches every request, even HTTP/1.0 without Host."""
    p = routed({"any": "Host(`*`)"})
    assert who(p, "/", "whatever.test") == "any"
    r = rawhttp.request(p.port(), "GET", "/", host=None, version="HTTP/1.0")
    assert r.status == 200 and rawhttp.backend_view(r)["name"] == "any"


def test_host_regexp_and_priority(routed):
    """C1.2: HostRegexp (longer rule) beats Host by computed priority; explicit priority wins."""
    p = routed({"re": r"HostRegexp(`[a-z]+\.example\.com`)", "host": "Host(`foo.example.com`)"})
    assert who(p, "/", "foo.example.com") == "re"
    assert who(p, "/", "bar.example.com") == "re"
    assert_404(p, "/", "foo.example.org")
    p.write_dynamic({
        "http": {
            "routers": {
                "re": {"rule": r"HostRegexp(`[a-z]+\.example\.com`)", "service": "svc-re"},
                "host": {"rule": "Host(`foo.example.com`)", "service": "svc-host", "priority": 100},
            },
            "services": p.routed_services,
        }
    })
    assert who(p, "/", "foo.example.com") == "host"
    assert who(p, "/", "bar.example.com") == "re"


def test_host_regexp_is_unanchored_and_sees_lowercase(routed):
    p = routed({"re": "HostRegexp(`ample`)"})
    assert who(p, "/", "EXAMPLE.test") == "re"
    assert_404(p, "/", "other.test")


def test_path_exact(routed):
    """C1.7: Path is exact, no trailing-slash equivalence."""
    p = routed({"p": "Path(`/products`)"})
    assert who(p, "/products") == "p"
    assert who(p, "/products?x=1") == "p"
    assert_404(p, "/products/")
    assert_404(p, "/products2")
    assert_404(p, "/")


def test_path_prefix(routed):
    """PathPrefix is a byte prefix; C1.6 decoded unreserved vs kept-encoded reserved characters."""
    p = routed({"api": "PathPrefix(`/api`)", "sp": "PathPrefix(`/foo bar`)", "fb": "PathPrefix(`/foo/bar`)"})
    assert who(p, "/api") == "api"
    assert who(p, "/api/x") == "api"
    assert who(p, "/apiv2") == "api"
    assert who(p, "/%61pi/x") == "api"  # %61 = 'a' is unreserved: decoded before matching
    assert_404(p, "/ap")
    assert who(p, "/foo%20bar") == "sp"
    assert who(p, "/foo/bar/baz") == "fb"
    assert_404(p, "/foo%2Fbar")  # encoded slash stays encoded


def test_path_regexp(routed):
    p = routed({"v": r"PathRegexp(`^/v[0-9]+/`)", "un": "PathRegexp(`\\.png$`)"})
    assert who(p, "/v2/x") == "v"
    assert who(p, "/v10/") == "v"
    assert who(p, "/img/a.png") == "un"
    assert_404(p, "/vx/")
    assert_404(p, "/x/v2/")


def test_path_sanitized_before_routing(routed):
    """G.6 / G1.7: dot segments and repeated slashes resolved before routing."""
    p = routed({"bar": "PathPrefix(`/bar`)"})
    r = p.get("/foo/%2e%2e/bar")
    assert r.status == 200 and rawhttp.backend_view(r)["name"] == "bar"
    assert rawhttp.backend_view(r)["path"] == "/bar"
    assert who(p, "/foo/../bar") == "bar"
    assert who(p, "//bar///x") == "bar"


def test_method(routed):
    p = routed({"post": "Method(`POST`)", "get": "Method(`get`) && Path(`/g`)"})
    r = p.request("POST", "/anything", body=b"x")
    assert r.status == 200 and rawhttp.backend_view(r)["name"] == "post"
    assert who(p, "/g") == "get"  # argument is upper-cased
    assert p.request("PUT", "/anything", body=b"").status == 404


def test_header(routed):
    p = routed({"h": "Header(`X-Env`, `prod`)"})
    assert who(p, "/", headers=[("X-Env", "prod")]) == "h"
    assert who(p, "/", headers=[("x-env", "prod")]) == "h"  # header names are canonicalised
    assert who(p, "/", headers=[("X-Env", "dev"), ("X-Env", "prod")]) == "h"  # any value
    assert_404(p, "/", headers=[("X-Env", "Prod")])
    assert_404(p, "/", headers=[("X-Env", "prod, dev")])  # a comma-joined line is one value
    assert_404(p, "/")


def test_header_regexp(routed):
    p = routed({"h": "HeaderRegexp(`User-Agent`, `curl|wget`)"})
    assert who(p, "/", headers=[("User-Agent", "curl/7.88")]) == "h"
    assert who(p, "/", headers=[("User-Agent", "GNU wget 1.2")]) == "h"  # unanchored
    assert_404(p, "/", headers=[("User-Agent", "Mozilla")])


def test_query(routed):
    """C1.8 one-argument form; two-argument form; `;` is a separator by default."""
    p = routed({"m": "Query(`mobile`)", "kv": "Query(`k`, `v`) && Path(`/kv`)"})
    assert who(p, "/?mobile") == "m"
    assert who(p, "/?mobile=") == "m"
    assert_404(p, "/?mobile=true")
    assert_404(p, "/?Mobile")  # keys are case-sensitive
    assert who(p, "/kv?a=1&k=v") == "kv"
    assert who(p, "/kv?k=x&k=v") == "kv"
    assert who(p, "/kv?a=1;k=v") == "kv"
    assert_404(p, "/kv?k=vv")


def test_query_regexp(routed):
    p = routed({"q": "QueryRegexp(`id`, `^[0-9]+$`)"})
    assert who(p, "/?id=123") == "q"
    assert_404(p, "/?id=12a")
    assert_404(p, "/?other=1")


def test_client_ip(routed):
    """C.2 ClientIP uses the peer address; C1.9 never X-Forwarded-For, even from a trusted peer."""
    p = routed({"lo2": "ClientIP(`127.0.0.2`)", "net10": "ClientIP(`10.0.0.0/8`)", "lo": "ClientIP(`127.0.0.0/30`) && Path(`/lo`)"},
               static={"entryPoints": {"web": {"forwardedHeaders": {"trustedIPs": ["127.0.0.1", "127.0.0.2"]}}}})
    assert who(p, "/", source_ip="127.0.0.2") == "lo2"
    assert_404(p, "/", source_ip="127.0.0.3")
    assert who(p, "/lo", source_ip="127.0.0.3") == "lo"
    assert_404(p, "/", headers=[("X-Forwarded-For", "10.1.1.1"), ("X-Real-Ip", "10.1.1.1")])


def test_operators(routed):
    """C.1 && binds tighter than ||; parentheses; C1.12 negation."""
    p = routed({
        "prec": "Host(`a.test`) || Host(`b.test`) && Path(`/x`)",
        "neg": "!Host(`a.com`) && PathPrefix(`/neg`)",
        "paren": "(Host(`c.test`) || Host(`d.test`)) && !(Path(`/no`) || Method(`DELETE`))",
    })
    assert who(p, "/anything", "a.test") == "prec"
    assert who(p, "/x", "b.test") == "prec"
    assert_404(p, "/y", "b.test")
    assert who(p, "/neg", "b.com") == "neg"
    assert_404(p, "/neg", "a.com")
    assert who(p, "/yes", "c.test") == "paren"
    assert who(p, "/yes", "d.test") == "paren"
    assert_404(p, "/no", "c.test")
    assert p.request("DELETE", "/yes", "d.test").status == 404


def test_priority_by_rule_length(routed):
    """C1.1: longer rule wins when priorities are unset."""
    p = routed({"a": "Host(`x.com`)", "b": "Host(`x.com`) && PathPrefix(`/api`)"})
    assert who(p, "/api/1", "x.com") == "b"
    assert who(p, "/", "x.com") == "a"


def test_explicit_and_negative_priority(routed):
    p = routed({
        "catchall": {"rule": "PathPrefix(`/`)", "priority": 1},
        "low": {"rule": "PathPrefix(`/low`)", "priority": -5},
        "high": {"rule": "PathPrefix(`/`) && Host(`h.test`)", "priority": 2},
        "explicit": {"rule": "PathPrefix(`/e`)", "priority": 1000},
        "long": "PathPrefix(`/e`) && Host(`h.test`) && Method(`GET`)",
    })
    assert who(p, "/low", "x.test") == "catchall"  # 1 > -5
    assert who(p, "/e", "h.test") == "explicit"  # 1000 beats the computed length of "long"
    assert who(p, "/z", "h.test") == "high"
    assert who(p, "/z", "other.test") == "catchall"


def test_equal_priority_ties_broken_by_name(routed):
    """C.4: Pier breaks remaining ties deterministically by ascending qualified router name."""
    p = routed({"beta": "Host(`t.test`)", "alpha": "Host(`t.test`)"})
    for _ in range(6):
        assert who(p, "/", "t.test") == "alpha"


def test_matcher_spellings_and_string_literals(routed):
    """C.1 / C1.11: canonical, lower, upper and title spellings; double-quoted literals."""
    p = routed({
        "lower": "pathprefix(`/lower`)",
        "upper": "PATHPREFIX(`/upper`)",
        "title": "Pathprefix(`/title`)",
        "dq": 'Path("/dq\\x41")',  # Go escape \x41 = 'A'
        "camel": "pathPrefix(`/camel`)",  # invalid spelling: router disabled
    })
    assert who(p, "/lower") == "lower"
    assert who(p, "/upper") == "upper"
    assert who(p, "/title") == "title"
    assert who(p, "/dqA") == "dq"
    assert_404(p, "/camel")


def test_bad_rules_disable_only_their_router(routed):
    """C.1 / C1.10: parse errors disable that router only."""
    p = routed({
        "good": "Host(`good.test`)",
        "single_quotes": "Host('bad1.test')",
        "unbalanced": "Host(`bad2.test`",
        "empty_arg": "Host(`bad3.test`) && Path(``)",
        "no_slash": "Host(`bad4.test`) && Path(`x`)",
        "bad_ip": "Host(`bad5.test`) && ClientIP(`300.1.1.1`)",
        "v2_matcher": "Host(`bad6.test`) && Headers(`X`, `y`)",
        "too_many_args": "Host(`bad7.test`, `x`)",
    })
    assert who(p, "/", "good.test") == "good"
    for i in range(1, 8):
        assert_404(p, "/", f"bad{i}.test")


def test_router_entry_points(routed):
    """A.6: a router without entryPoints is on every entry point except `traefik`; with
    entryPoints only on those."""
    p = routed({"all": "PathPrefix(`/`)", "only_other": {"rule": "PathPrefix(`/o`)", "entryPoints": ["other"]}},
               static={"entryPoints": {"other": {"address": None}}})
    assert who(p, "/x") == "all"
    assert who(p, "/x", entrypoint="other") == "all"
    assert who(p, "/o", entrypoint="other") == "only_other"
    assert who(p, "/o") == "all"
    r = p.get("/x", entrypoint="traefik")
    assert r.status == 404 and r.body == NOT_FOUND_BODY


def test_rematch_per_request_on_keepalive(routed):
    """C.4: every request on a keep-alive connection is routed on its own."""
    p = routed({"a": "Host(`a.test`)", "b": "Host(`b.test`)"})
    with p.client() as c:
        assert rawhttp.backend_view(c.get("/", "a.test"))["name"] == "a"
        assert rawhttp.backend_view(c.get("/", "b.test"))["name"] == "b"
        assert c.get("/", "c.test").status == 404
        assert rawhttp.backend_view(c.get("/", "a.test"))["name"] == "a"
