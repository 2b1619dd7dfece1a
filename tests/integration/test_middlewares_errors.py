"""errors middleware (spec E.6, E1.10): a backend status in range gets its body from the error
service, requested with the query path, under the original status."""

from __future__ import annotations

import harness
from harness import lb, router
from rawhttp import backend_view


def start(pier_factory, backend, pages, status, query="/{status}.html", extra=None):
    mw = {"err": {"errors": {"status": status, "service": "pages", "query": query, **(extra or {})}}}
    routers = {"r": router("PathPrefix(`/`)", "s", middlewares=["err"])}
    services = {"s": lb(backend), "pages": lb(pages)}
    return pier_factory(dynamic=harness.dynamic(routers, services, mw))


def test_status_range_and_query(pier_factory, backend_factory):
    backend = backend_factory("app")
    pages = backend_factory("pages")
    p = start(pier_factory, backend, pages, ["500-599", "404"])
    r = p.get("/thing?status=502")
    assert r.status == 502
    page = backend_view(r)
    assert page["name"] == "pages"
    assert page["path"] == "/502.html"
    assert page.header("Host") == "localhost"  # the original Host
    r = p.get("/thing?status=404")
    assert r.status == 404
    assert backend_view(r)["path"] == "/404.html"
    # Not in range: the backend's own response.
    r = p.get("/thing?status=403")
    assert r.status == 403
    assert backend_view(r)["name"] == "app"
    r = p.get("/ok")
    assert r.status == 200
    assert backend_view(r)["name"] == "app"


def test_url_placeholder_and_keepalive(pier_factory, backend_factory):
    backend = backend_factory("app")
    pages = backend_factory("pages")
    p = start(pier_factory, backend, pages, ["500"], query="/e?u={url}&s={status}")
    c = p.client()
    try:
        c.send(b"GET /a?status=500 HTTP/1.1\r\nHost: localhost\r\n\r\n")
        r = c.read_response()
        assert r.status == 500
        view = backend_view(r)
        assert view["target"] == "/e?u=http%3A%2F%2Flocalhost%2Fa%3Fstatus%3D500&s=500"
        c.send(b"GET /b HTTP/1.1\r\nHost: localhost\r\n\r\n")
        r = c.read_response()
        assert r.status == 200
        assert backend_view(r)["name"] == "app"
    finally:
        c.close()


def test_error_service_down_keeps_status(pier_factory, backend_factory):
    backend = backend_factory("app")
    mw = {"err": {"errors": {"status": ["500-599"], "service": "pages", "query": "/x"}}}
    routers = {"r": router("PathPrefix(`/`)", "s", middlewares=["err"])}
    services = {"s": lb(backend), "pages": lb(harness.free_port())}
    p = pier_factory(dynamic=harness.dynamic(routers, services, mw))
    r = p.get("/?status=503")
    assert r.status == 503
    assert r.body == b"Service Unavailable\n"
