"""Entry-point middlewares (`entryPoints.<ep>.http.middlewares`): they run before each router's
own middlewares, only for routers on that entry point."""

from __future__ import annotations

import harness
from harness import lb, router
from rawhttp import backend_view


def test_entry_point_middlewares_run_first_and_only_on_their_entry_point(pier_factory, backend):
    static = {"entryPoints": {"web": {"address": None},
                              "guarded": {"address": None,
                                          "http": {"middlewares": ["tag@file", "api-prefix"]}}}}
    middlewares = {
        "tag": {"headers": {"customRequestHeaders": {"X-Entry": "guarded"}}},
        "api-prefix": {"addPrefix": {"prefix": "/api"}},
        # The router's own middleware sees the path after the entry point's addPrefix.
        "strip-v1": {"stripPrefix": {"prefixes": ["/api/v1"]}},
    }
    p = pier_factory(static=static, dynamic=harness.dynamic(
        {"r": router("PathPrefix(`/`)", "s", entry_points=["web", "guarded"],
                     middlewares=["strip-v1"])},
        {"s": lb(backend)}, middlewares))
    via_guarded = backend_view(p.get("/v1/items", entrypoint="guarded"))
    assert via_guarded.header("X-Entry") == "guarded"
    assert via_guarded["path"] == "/items"
    via_web = backend_view(p.get("/v1/items"))
    assert via_web.header("X-Entry") is None
    assert via_web["path"] == "/v1/items"


def test_missing_entry_point_middleware_fails_the_router_on_that_entry_point_only(pier_factory, backend):
    static = {"entryPoints": {"web": {"address": None},
                              "guarded": {"address": None, "http": {"middlewares": ["nope@file"]}}}}
    p = pier_factory(static=static, dynamic=harness.dynamic(
        {"r": router("PathPrefix(`/`)", "s", entry_points=["web", "guarded"])},
        {"s": lb(backend)}))
    assert p.get("/").status == 200
    assert p.get("/", entrypoint="guarded").status == 404
    log = p.log_text()
    assert "router r@file: entry point guarded" in log
    assert 'middleware "nope@file" does not exist' in log
