"""The API (api@internal, api.insecure on the `traefik` entry point) in Traefik's JSON shapes."""

from __future__ import annotations

import json

import harness
import rawhttp
from harness import lb, router


def api(p, path):
    r = rawhttp.get(p.port("traefik"), path)
    assert r.status == 200, (path, r)
    assert r.header("Content-Type") == "application/json"
    return json.loads(r.body)


def test_routers_services_and_errors(pier_factory, backend):
    dyn = harness.dynamic(
        {"good": router("PathPrefix(`/g`)", "s", ["web"]),
         "bad-rule": router("Pathh(`/x`)", "s", ["web"]),
         "no-service": router("PathPrefix(`/n`)", "missing", ["web"])},
        {"s": lb(backend)})
    p = pier_factory(static={"api": {"insecure": True}}, dynamic=dyn)
    routers = {r["name"]: r for r in api(p, "/api/http/routers")}
    good = routers["good@file"]
    assert good["status"] == "enabled" and good["service"] == "s" and good["rule"] == "PathPrefix(`/g`)"
    assert good["entryPoints"] == ["web"] and good["using"] == ["web"] and good["provider"] == "file"
    assert routers["bad-rule@file"]["status"] == "disabled" and routers["bad-rule@file"]["error"]
    assert "missing" in routers["no-service@file"]["error"][0]
    assert routers["ping@internal"]["provider"] == "internal"
    one = api(p, "/api/http/routers/bad-rule@file")
    assert one["name"] == "bad-rule@file" and one["status"] == "disabled"
    assert api(p, "/api/http/routers/bad-rule%40file")["name"] == "bad-rule@file"
    services = {s["name"]: s for s in api(p, "/api/http/services")}
    s = services["s@file"]
    assert s["type"] == "loadbalancer" and s["loadBalancer"]["servers"] == [{"url": backend.url}]
    assert sorted(s["usedBy"]) == ["bad-rule@file", "good@file"]
    assert s["serverStatus"] == {backend.url: "UP"}
    ov = api(p, "/api/overview")
    assert ov["http"]["routers"]["errors"] == 2
    assert ov["providers"] == ["File"]
    raw = api(p, "/api/rawdata")
    assert "good@file" in raw["routers"] and "s@file" in raw["services"]
    eps = {e["name"]: e for e in api(p, "/api/entrypoints")}
    assert set(eps) == {"web", "traefik"}
    assert api(p, "/api/version")["Version"]
    assert rawhttp.get(p.port("traefik"), "/api/http/routers/nope@file").status == 404
    # Not on other entry points.
    assert rawhttp.get(p.port("web"), "/api/overview").status == 404


def test_api_follows_reloads(pier_factory, backend):
    p = pier_factory(static={"api": {"insecure": True}},
                     dynamic=harness.dynamic({"a": router("PathPrefix(`/a`)", "s", ["web"])}, {"s": lb(backend)}))
    assert "a@file" in {r["name"] for r in api(p, "/api/http/routers")}
    p.write_dynamic(harness.dynamic({"b": router("PathPrefix(`/b`)", "s", ["web"])}, {"s": lb(backend)}))
    names = {r["name"] for r in api(p, "/api/http/routers")}
    assert "b@file" in names and "a@file" not in names


def test_no_api_without_insecure_but_routable(pier_factory):
    """Without api.insecure nothing is routed; a user router can serve api@internal."""
    p = pier_factory(static={"api": {}}, dynamic=harness.dynamic({"dash": router("PathPrefix(`/api`)", "api@internal", ["web"])}))
    assert rawhttp.get(p.port("traefik"), "/api/overview").status == 404
    r = rawhttp.get(p.port("web"), "/api/overview")
    assert r.status == 200 and "http" in json.loads(r.body)
