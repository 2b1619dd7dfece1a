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


def api_raw(p, path):
    return rawhttp.get(p.port("traefik"), path)


def names(items):
    return [i["name"] for i in items]


def test_tcp_and_udp_objects_with_status_and_errors(pier_factory):
    dyn = {
        "tcp": {
            "routers": {
                "any": {"rule": "HostSNI(`*`)", "service": "s", "entryPoints": ["tcp"]},
                "db": {"rule": "HostSNI(`db.test`)", "service": "w", "entryPoints": ["tcp"],
                       "tls": {"passthrough": True}},
                "no-tls": {"rule": "HostSNI(`x.test`)", "service": "s", "entryPoints": ["tcp"]},
                "no-svc": {"rule": "HostSNI(`*`)", "service": "missing", "entryPoints": ["tcp"]},
            },
            "services": {
                "s": {"loadBalancer": {"servers": [{"address": "127.0.0.1:7001"}]}},
                "bad": {"loadBalancer": {"servers": [{"address": "nohost"}]}},
                "w": {"weighted": {"services": [{"name": "s", "weight": 2}]}},
            },
        },
        "udp": {
            "routers": {"dns": {"entryPoints": ["tcp"], "service": "u"}},
            "services": {"u": {"loadBalancer": {"servers": [{"address": "127.0.0.1:53"}]}}},
        },
    }
    p = pier_factory(static={"api": {"insecure": True}, "entryPoints": {"tcp": {"address": None}}},
                     dynamic=dyn)
    routers = {r["name"]: r for r in api(p, "/api/tcp/routers")}
    assert set(routers) == {"any@file", "db@file", "no-tls@file", "no-svc@file"}
    a = routers["any@file"]
    assert a["status"] == "enabled" and a["using"] == ["tcp"] and a["service"] == "s"
    assert a["rule"] == "HostSNI(`*`)" and a["priority"] == -1 and a["provider"] == "file"
    assert "error" not in a
    db = routers["db@file"]
    assert db["status"] == "enabled" and db["tls"]["passthrough"] is True
    assert db["priority"] == len("HostSNI(`db.test`)")
    assert routers["no-tls@file"]["status"] == "disabled"
    assert "needs TLS" in routers["no-tls@file"]["error"][0]
    assert routers["no-svc@file"]["status"] == "disabled" and "using" not in routers["no-svc@file"]
    assert "missing@file" in routers["no-svc@file"]["error"][0]
    one = api(p, "/api/tcp/routers/db@file")
    assert one == db
    r = api_raw(p, "/api/tcp/routers/nope@file")
    assert r.status == 404 and json.loads(r.body) == {"message": "router not found: nope@file"}

    services = {s["name"]: s for s in api(p, "/api/tcp/services")}
    s = services["s@file"]
    assert s["type"] == "loadbalancer" and s["loadBalancer"]["servers"] == [{"address": "127.0.0.1:7001"}]
    assert s["status"] == "enabled" and sorted(s["usedBy"]) == ["any@file", "no-tls@file"]
    assert s["serverStatus"] == {"127.0.0.1:7001": "UP"}
    assert services["bad@file"]["status"] == "disabled" and "nohost" in services["bad@file"]["error"][0]
    assert "serverStatus" not in services["bad@file"] and "usedBy" not in services["bad@file"]
    w = services["w@file"]
    assert w["type"] == "weighted" and w["weighted"]["services"] == [{"name": "s", "weight": 2}]
    assert w["usedBy"] == ["db@file"] and w["status"] == "enabled"
    assert api(p, "/api/tcp/services/bad@file")["status"] == "disabled"
    assert api(p, "/api/tcp/middlewares") == []

    udp_routers = api(p, "/api/udp/routers")
    assert names(udp_routers) == ["dns@file"]
    assert udp_routers[0]["status"] == "disabled" and "UDP" in udp_routers[0]["error"][0]
    assert udp_routers[0]["service"] == "u" and udp_routers[0]["entryPoints"] == ["tcp"]
    udp_services = api(p, "/api/udp/services")
    assert names(udp_services) == ["u@file"] and udp_services[0]["usedBy"] == ["dns@file"]
    assert udp_services[0]["loadBalancer"]["servers"] == [{"address": "127.0.0.1:53"}]

    ov = api(p, "/api/overview")
    assert ov["tcp"]["routers"] == {"total": 4, "warnings": 0, "errors": 2}
    assert ov["tcp"]["services"] == {"total": 3, "warnings": 0, "errors": 1}
    assert ov["tcp"]["middlewares"] == {"total": 0, "warnings": 0, "errors": 0}
    assert ov["udp"]["routers"] == {"total": 1, "warnings": 0, "errors": 1}
    raw = api(p, "/api/rawdata")
    assert raw["tcpRouters"]["any@file"]["status"] == "enabled"
    assert "name" not in raw["tcpRouters"]["any@file"]
    assert set(raw["tcpServices"]) == {"s@file", "bad@file", "w@file"}
    assert "dns@file" in raw["udpRouters"] and "tcpMiddlewares" not in raw


def test_list_parameters_search_status_and_pages(pier_factory, backend):
    routers = {f"r{i}": router(f"PathPrefix(`/r{i}`)", "s", ["web"]) for i in range(5)}
    routers["broken"] = router("PathPrefix(`/b`)", "missing", ["web"])
    p = pier_factory(static={"api": {"insecure": True}}, dynamic=harness.dynamic(routers, {"s": lb(backend)}))

    assert names(api(p, "/api/http/routers?search=R3")) == ["r3@file"]
    assert names(api(p, "/api/http/routers?search=%2Fr4")) == ["r4@file"]  # searches the rule too
    assert names(api(p, "/api/http/routers?status=disabled")) == ["broken@file"]
    assert "broken@file" not in names(api(p, "/api/http/routers?status=enabled"))
    assert names(api(p, "/api/http/services?search=s%40file")) == ["s@file"]
    assert names(api(p, "/api/http/routers?search=%40file&status=enabled&sortBy=name&direction=desc"))[:2] == \
        ["zz-harness-probe@file", "r4@file"]

    r = api_raw(p, "/api/http/routers?search=%40file&per_page=4")
    assert r.status == 200 and r.header("X-Next-Page") == "2"
    first = names(json.loads(r.body))
    assert first == ["broken@file", "r0@file", "r1@file", "r2@file"]
    r = api_raw(p, "/api/http/routers?search=%40file&per_page=4&page=2")
    assert r.header("X-Next-Page") == "1"
    assert names(json.loads(r.body)) == ["r3@file", "r4@file", "zz-harness-probe@file"]
    assert api_raw(p, "/api/http/routers").header("X-Next-Page") == "1"
    bad = api_raw(p, "/api/http/routers?per_page=4&page=9")
    assert bad.status == 400
    assert json.loads(bad.body) == {"message": "invalid request: page: 9, per_page: 4"}
    assert api_raw(p, "/api/tcp/routers?page=0").status == 400
    assert api_raw(p, "/api/entrypoints?per_page=1").header("X-Next-Page") == "2"


def test_middleware_and_warning_statuses(pier_factory, backend):
    dyn = harness.dynamic(
        {"ok": router("PathPrefix(`/ok`)", "s", ["web"], middlewares=["strip"]),
         "uses-bad": router("PathPrefix(`/bad`)", "s", ["web"], middlewares=["broken"]),
         "a": router("Host(`x.test`)", "s", ["web"], tls={"options": "modern"}),
         "b": router("Host(`x.test`) && Path(`/b`)", "s", ["web"], tls={})},
        {"s": lb(backend)},
        {"strip": {"stripPrefix": {"prefixes": ["/ok"]}},
         "broken": {"redirectRegex": {"regex": "(", "replacement": "/x"}},
         "unused": {"addPrefix": {"prefix": "/x"}}})
    dyn["tls"] = {"options": {"modern": {"minVersion": "VersionTLS13"}}}
    p = pier_factory(static={"api": {"insecure": True}}, dynamic=dyn)
    mws = {m["name"]: m for m in api(p, "/api/http/middlewares")}
    strip = mws["strip@file"]
    assert strip["status"] == "enabled" and strip["usedBy"] == ["ok@file"]
    assert strip["type"] == "stripprefix" and strip["stripPrefix"] == {"prefixes": ["/ok"]}
    assert mws["broken@file"]["status"] == "disabled" and mws["broken@file"]["error"]
    assert mws["unused@file"]["status"] == "enabled" and "usedBy" not in mws["unused@file"]
    routers = {r["name"]: r for r in api(p, "/api/http/routers")}
    assert routers["uses-bad@file"]["status"] == "disabled"
    assert routers["ok@file"]["middlewares"] == ["strip"]
    for name in ("a@file", "b@file"):  # same host, different TLS options: in force, with a warning
        assert routers[name]["status"] == "warning", routers[name]
        assert "x.test" in routers[name]["error"][0] and routers[name]["using"] == ["web"]
    ov = api(p, "/api/overview")
    assert ov["http"]["routers"]["warnings"] == 2 and ov["http"]["routers"]["errors"] == 1
    assert ov["http"]["middlewares"] == {"total": 3, "warnings": 0, "errors": 1}
    assert names(api(p, "/api/http/routers?status=warning")) == ["a@file", "b@file"]
    assert names(api(p, "/api/http/routers?middlewareName=strip")) == ["ok@file"]
    assert names(api(p, "/api/http/routers?serviceName=s@file&search=x.test")) == ["a@file", "b@file"]
