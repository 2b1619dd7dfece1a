"""Middleware configuration: errors isolated to the routers using a broken middleware, chains,
cycles, provider-qualified references."""

from __future__ import annotations

import harness
from harness import lb, router
from rawhttp import backend_view


def test_broken_middleware_disables_only_its_routers(pier_factory, backend):
    p = pier_factory(dynamic=harness.dynamic(
        {"good": router("PathPrefix(`/good`)", "s", middlewares=["sp"]),
         "bad1": router("PathPrefix(`/bad1`)", "s", middlewares=["broken"]),
         "bad2": router("PathPrefix(`/bad2`)", "s", middlewares=["sp", "broken"]),
         "plain": router("PathPrefix(`/plain`)", "s")},
        {"s": lb(backend)},
        {"sp": {"stripPrefix": {"prefixes": ["/good"]}},
         "broken": {"addPrefix": {"prefix": ""}}}))
    assert backend_view(p.get("/good/x"))["path"] == "/x"
    assert p.get("/plain").status == 200
    assert p.get("/bad1").status == 404
    assert p.get("/bad2").status == 404
    log = p.log_text()
    assert 'bad1@file: middleware "broken@file": addPrefix.prefix' in log
    assert 'bad2@file: middleware "broken@file"' in log


def test_unknown_option_and_missing_middleware_are_named(pier_factory, backend):
    p = pier_factory(dynamic=harness.dynamic(
        {"a": router("PathPrefix(`/a`)", "s", middlewares=["typo"]),
         "b": router("PathPrefix(`/b`)", "s", middlewares=["nope"])},
        {"s": lb(backend)},
        {"typo": {"stripPrefix": {"prefixe": ["/a"]}}}))
    assert p.get("/a").status == 404
    assert p.get("/b").status == 404
    log = p.log_text()
    assert "prefixe" in log and "did you mean" in log
    assert 'middleware "nope@file" does not exist' in log


def test_chain_flattens_and_detects_cycles(pier_factory, backend):
    p = pier_factory(dynamic=harness.dynamic(
        {"r": router("PathPrefix(`/api`)", "s", middlewares=["c"]),
         "loop": router("PathPrefix(`/loop`)", "s", middlewares=["c1"])},
        {"s": lb(backend)},
        {"c": {"chain": {"middlewares": ["sp", "h"]}},
         "sp": {"stripPrefix": {"prefixes": ["/api"]}},
         "h": {"headers": {"customRequestHeaders": {"X-Chained": "1"}}},
         "c1": {"chain": {"middlewares": ["c2"]}},
         "c2": {"chain": {"middlewares": ["c1"]}}}))
    v = backend_view(p.get("/api/x"))
    assert v["path"] == "/x"
    assert v.header_all("X-Chained") == ["1"]
    assert p.get("/loop").status == 404
    assert "chain cycle" in p.log_text()
