"""Sticky sessions (spec D.2) on loadBalancer and weighted services."""

from __future__ import annotations

import collections
import re

import harness
from harness import lb, router
from rawhttp import backend_view


def sticky_lb(*servers, cookie: dict | None = None) -> dict:
    svc = lb(*servers)
    svc["loadBalancer"]["sticky"] = {"cookie": cookie or {}}
    return svc


def set_cookie(r) -> tuple[str, str, str]:
    """(name, value, attributes) of the one Set-Cookie of r."""
    values = r.header_all("Set-Cookie")
    assert len(values) == 1, r
    m = re.match(r"^([^=]+)=([^;]*)(.*)$", values[0])
    assert m, values
    return m.group(1), m.group(2), m.group(3)


def test_sticky_default_cookie_keeps_client_on_one_server(pier_factory, backend_factory):
    a, b = backend_factory("a"), backend_factory("b")
    p = pier_factory(dynamic=harness.dynamic({"r": router("PathPrefix(`/`)", "s")}, {"s": sticky_lb(a, b)}))
    first = p.get("/first")
    assert first.status == 200
    name, value, attrs = set_cookie(first)
    assert re.match(r"^_[0-9a-f]{5}$", name), name
    assert re.match(r"^[0-9a-f]{16}$", value), value
    assert str(a.port) not in value and str(b.port) not in value and "127.0.0.1" not in value
    assert attrs == "; Path=/", attrs
    chosen = backend_view(first)["name"]
    seen = collections.Counter()
    for i in range(100):  # fresh connections: both workers must honour the cookie
        r = p.get(f"/again{i}", headers={"Cookie": f"other=1; {name}={value}"})
        assert r.status == 200
        assert not r.header_all("Set-Cookie"), r
        seen[backend_view(r)["name"]] += 1
    assert seen == {chosen: 100}, seen
    # Without the cookie the service still balances, and every answer sets a cookie.
    others = collections.Counter(harness.who(p, f"/n{i}") for i in range(10))
    assert set(others) == {"a", "b"}, others


def test_sticky_cookie_attributes(pier_factory, backend):
    cookie = {"name": "my session", "secure": True, "httpOnly": True, "sameSite": "strict",
              "maxAge": 42, "path": "/app"}
    p = pier_factory(dynamic=harness.dynamic(
        {"r": router("PathPrefix(`/`)", "s")}, {"s": sticky_lb(backend, cookie=cookie)}))
    name, value, attrs = set_cookie(p.get("/app/x"))
    assert name == "my_session"
    assert re.match(r"^[0-9a-f]{16}$", value)
    assert attrs == "; Path=/app; Max-Age=42; HttpOnly; Secure; SameSite=Strict", attrs


def test_unknown_cookie_value_is_replaced(pier_factory, backend_factory):
    a, b = backend_factory("a"), backend_factory("b")
    p = pier_factory(dynamic=harness.dynamic(
        {"r": router("PathPrefix(`/`)", "s")}, {"s": sticky_lb(a, b, cookie={"name": "st"})}))
    r = p.get("/", headers={"Cookie": "st=0000000000000000"})
    assert r.status == 200
    name, value, _ = set_cookie(r)
    assert name == "st" and value != "0000000000000000"


def test_legacy_raw_url_cookie_sticks_and_is_rewritten(pier_factory, backend_factory):
    a, b = backend_factory("a"), backend_factory("b")
    p = pier_factory(dynamic=harness.dynamic(
        {"r": router("PathPrefix(`/`)", "s")}, {"s": sticky_lb(a, b, cookie={"name": "st"})}))
    for _ in range(4):
        r = p.get("/", headers={"Cookie": f"st={b.url}"})
        assert backend_view(r)["name"] == "b"
        name, value, _ = set_cookie(r)
        assert re.match(r"^[0-9a-f]{16}$", value) and value != b.url


def test_removed_server_gets_a_new_cookie(pier_factory, backend_factory):
    a, b = backend_factory("a"), backend_factory("b")
    routers = {"r": router("PathPrefix(`/`)", "s")}
    p = pier_factory(dynamic=harness.dynamic(routers, {"s": sticky_lb(a, b, cookie={"name": "st"})}))
    first = p.get("/")
    _, value, _ = set_cookie(first)
    chosen = backend_view(first)["name"]
    other = b if chosen == "a" else a
    p.write_dynamic(harness.dynamic(routers, {"s": sticky_lb(other, cookie={"name": "st"})}))
    r = p.get("/", headers={"Cookie": f"st={value}"})
    assert backend_view(r)["name"] == other.name
    _, new_value, _ = set_cookie(r)
    assert new_value != value


def test_sticky_weighted_service(pier_factory, backend_factory):
    a, b = backend_factory("a"), backend_factory("b")
    p = pier_factory(dynamic=harness.dynamic(
        {"r": router("PathPrefix(`/`)", "w")},
        {"w": {"weighted": {"services": [{"name": "sa"}, {"name": "sb"}],
                            "sticky": {"cookie": {"name": "wst", "httpOnly": True}}}},
         "sa": lb(a), "sb": lb(b)}))
    first = p.get("/")
    name, value, attrs = set_cookie(first)
    assert name == "wst" and attrs == "; Path=/; HttpOnly"
    assert re.match(r"^[0-9a-f]{16}$", value)
    chosen = backend_view(first)["name"]
    for i in range(50):
        r = p.get(f"/{i}", headers={"Cookie": f"wst={value}"})
        assert backend_view(r)["name"] == chosen
        assert not r.header_all("Set-Cookie")
