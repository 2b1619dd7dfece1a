"""TCP middlewares (spec E, `tcp.middlewares`): ipAllowList and inFlightConn decide once per
connection, before Pier dials the server; a broken one disables only the routers using it."""

from __future__ import annotations

import time

import tcpkit
from test_tcp import TCP_EP, servers, tcp_config, tcp_lb  # noqa: F401  (servers is a fixture)


def catch_all(middlewares: list[str], service: str = "s") -> dict:
    return {"rule": "HostSNI(`*`)", "service": service, "entryPoints": ["tcp"],
            "middlewares": middlewares}


def with_middlewares(doc: dict, middlewares: dict) -> dict:
    doc["tcp"]["middlewares"] = middlewares
    return doc


def echoes(port: int) -> bool:
    with tcpkit.connect(port) as c:
        c.sendall(b"hi")
        return tcpkit.recv_some(c, 7) == b"echo:hi"


def test_ip_allow_list_admits_loopback_and_closes_others(pier_factory, servers):
    echo = servers("echo")
    p = pier_factory(static={"entryPoints": TCP_EP}, dynamic=with_middlewares(
        tcp_config({"t": catch_all(["lo"])}, {"s": tcp_lb(echo)}),
        {"lo": {"ipAllowList": {"sourceRange": ["127.0.0.1/32"]}}}))
    assert echoes(p.ports["tcp"])
    # The same route behind a list that excludes loopback: the connection closes unanswered.
    p.write_dynamic(with_middlewares(
        tcp_config({"t": catch_all(["far"])}, {"s": tcp_lb(echo)}),
        {"far": {"ipWhiteList": {"sourceRange": ["10.0.0.0/8"]}}}))
    with tcpkit.connect(p.ports["tcp"]) as c:
        c.sendall(b"hi")
        assert tcpkit.closed_within(c, 5)
    assert echo.connections == 1  # the refused client never reached the server


def test_in_flight_conn_limits_open_connections_per_ip(pier_factory, servers):
    echo = servers("echo")
    p = pier_factory(static={"entryPoints": TCP_EP}, dynamic=with_middlewares(
        tcp_config({"t": catch_all(["two"])}, {"s": tcp_lb(echo)}),
        {"two": {"inFlightConn": {"amount": 2}}}))
    port = p.ports["tcp"]
    first, second = tcpkit.connect(port), tcpkit.connect(port)
    for c in (first, second):
        c.sendall(b"a")
        assert tcpkit.recv_some(c, 6) == b"echo:a"
    third = tcpkit.connect(port)
    third.sendall(b"a")
    assert tcpkit.closed_within(third, 5)
    third.close()
    # Closing one frees its slot for the next connection.
    first.close()
    deadline = time.monotonic() + 5
    while True:
        try:
            if echoes(port):
                break
        except OSError:
            pass
        assert time.monotonic() < deadline, "the slot of a closed connection was not released"
        time.sleep(0.1)
    second.close()


def test_broken_tcp_middleware_disables_only_its_router(pier_factory, servers):
    echo = servers("echo")
    doc = tcp_config({"bad": {"rule": "HostSNI(`*`)", "service": "s", "entryPoints": ["tcp2"],
                              "middlewares": ["oops"]},
                      "good": catch_all([])},
                     {"s": tcp_lb(echo)})
    doc = with_middlewares(doc, {"oops": {"ipAllowList": {"sourceRange": ["not-an-ip"]}}})
    p = pier_factory(static={"entryPoints": {"tcp": {"address": None}, "tcp2": {"address": None}}},
                     dynamic=doc)
    assert echoes(p.ports["tcp"])
    with tcpkit.connect(p.ports["tcp2"]) as c:
        c.sendall(b"hi")
        assert tcpkit.closed_within(c, 5)
    log = p.log_text()
    assert 'TCP router bad@file' in log
    assert '"not-an-ip" is not an IP address or CIDR range' in log
