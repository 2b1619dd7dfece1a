"""Path-rewriting middlewares (spec E.1): what the backend receives and what the client gets."""

from __future__ import annotations

from mwhelp import start
from rawhttp import backend_view


def test_strip_prefix_first_matching_prefix_and_forwarded_prefix(pier_factory, backend):
    p = start(pier_factory, backend, {"sp": {"stripPrefix": {"prefixes": ["/foo", "/api"]}}})
    v = backend_view(p.get("/api/users?x=1"))
    assert v["path"] == "/users"
    assert v["target"] == "/users?x=1"
    assert v.header_all("X-Forwarded-Prefix") == ["/api"]
    # Byte prefix: /api strips /apiv2 too, and the rest gets a leading slash.
    assert backend_view(p.get("/apiv2/x"))["path"] == "/v2/x"
    # Nothing left: the backend sees "/".
    assert backend_view(p.get("/api"))["path"] == "/"
    # No prefix matches: unchanged and no header.
    v = backend_view(p.get("/other"))
    assert v["path"] == "/other"
    assert v.header("X-Forwarded-Prefix") is None


def test_strip_prefix_rejects_a_path_that_normalization_would_change(pier_factory, backend):
    p = start(pier_factory, backend, {"sp": {"stripPrefix": {"prefixes": ["/api"]}}})
    r = p.get("/api./foo")
    assert r.status == 400
    assert backend.requests_seen() == [] or all("/foo" not in t for t in backend.requests_seen())


def test_strip_prefix_regex(pier_factory, backend):
    p = start(pier_factory, backend, {"spr": {"stripPrefixRegex": {"regex": ["/v[0-9]+", "/x"]}}})
    v = backend_view(p.get("/v12/items"))
    assert v["path"] == "/items"
    assert v.header_all("X-Forwarded-Prefix") == ["/v12"]
    # A match that is not at the start does not strip.
    v = backend_view(p.get("/a/v1/b"))
    assert v["path"] == "/a/v1/b"
    assert v.header("X-Forwarded-Prefix") is None


def test_add_prefix(pier_factory, backend):
    p = start(pier_factory, backend, {"ap": {"addPrefix": {"prefix": "/base"}}})
    v = backend_view(p.get("/x?q=1"))
    assert v["target"] == "/base/x?q=1"


def test_replace_path_keeps_query_and_sets_x_replaced_path(pier_factory, backend):
    p = start(pier_factory, backend, {"rp": {"replacePath": {"path": "/new"}}})
    v = backend_view(p.get("/old/path?q=2"))
    assert v["target"] == "/new?q=2"
    assert v.header_all("X-Replaced-Path") == ["/old/path"]


def test_replace_path_regex(pier_factory, backend):
    p = start(pier_factory, backend,
              {"rpr": {"replacePathRegex": {"regex": "^/foo/(.*)", "replacement": "/bar/$1"}}})
    v = backend_view(p.get("/foo/a/b"))
    assert v["path"] == "/bar/a/b"
    assert v.header_all("X-Replaced-Path") == ["/foo/a/b"]
    v = backend_view(p.get("/nomatch"))
    assert v["path"] == "/nomatch"
    assert v.header("X-Replaced-Path") is None


def test_replace_path_regex_named_groups(pier_factory, backend):
    p = start(pier_factory, backend,
              {"rpr": {"replacePathRegex": {"regex": "^/u/(?P<id>[0-9]+)$", "replacement": "/users/${id}/profile"}}})
    assert backend_view(p.get("/u/42"))["path"] == "/users/42/profile"


def test_chain_order_strip_then_add(pier_factory, backend):
    """Middlewares run in the router's order: strip /api, then add /v2."""
    p = start(pier_factory, backend, {"sp": {"stripPrefix": {"prefixes": ["/api"]}},
                                      "ap": {"addPrefix": {"prefix": "/v2"}}}, use=["sp", "ap"])
    assert backend_view(p.get("/api/x"))["path"] == "/v2/x"
