"""WebSocket through the proxy (spec G.4, G.1 X-Forwarded-Proto ws, I1.4 tunnel survives reloads)."""

from __future__ import annotations

import json

import pytest

import harness
import rawhttp
from harness import lb, router
from rawhttp import OP_BINARY, OP_CONT, OP_PING, OP_PONG, OP_TEXT, WebSocket


@pytest.fixture
def proxy(pier_factory, backend):
    p = pier_factory(dynamic=harness.dynamic({"ws": router("PathPrefix(`/ws`)", "s")}, {"s": lb(backend)}))
    p.services = {"s": lb(backend)}
    return p


def test_echo_and_forwarded_headers(proxy):
    with WebSocket.connect(proxy.port(), "/ws/chat?hello=1", host="ws.test:8000", lowercase_ws_headers=True,
                           headers=[("X-Forwarded-Proto", "https"), ("Sec-WebSocket-Protocol", "chat")]) as ws:
        assert ws.response.header("Sec-WebSocket-Protocol") == "chat"
        op, hello = ws.recv_message()
        assert op == OP_TEXT
        info = rawhttp.BackendView(json.loads(hello))
        assert info["path"] == "/ws/chat"
        assert info.header_all("X-Forwarded-Proto") == ["ws"]
        assert info.header_all("X-Forwarded-Host") == ["ws.test:8000"]
        assert info.header_all("X-Forwarded-Port") == ["8000"]
        assert info.header_all("Host") == ["ws.test:8000"]
        assert info.header("Upgrade").lower() == "websocket"
        assert "upgrade" in info.header("Connection").lower()
        names = info.header_names()
        # G.4: exact capitalisation towards the backend even if the client sent lower case.
        assert "Sec-WebSocket-Key" in names and "Sec-WebSocket-Version" in names, names
        assert "Sec-WebSocket-Protocol" in names
        ws.send_text("hello")
        assert ws.recv_message() == (OP_TEXT, b"hello")
        ws.send_binary(b"\x00\x01\x02")
        assert ws.recv_message() == (OP_BINARY, b"\x00\x01\x02")
        assert ws.close(1000) == 1000


def test_one_mebibyte_message_and_fragments(proxy):
    with WebSocket.connect(proxy.port(), "/ws") as ws:
        big = bytes(range(256)) * 4096
        ws.send_binary(big)
        assert ws.recv_message(timeout=20) == (OP_BINARY, big)
        text = ("é" * (1 << 19)).encode()  # 1 MiB of UTF-8
        ws.send_frame(OP_TEXT, text)
        assert ws.recv_message(timeout=20) == (OP_TEXT, text)
        ws.send_frame(OP_TEXT, b"part1-", fin=False)
        ws.send_frame(OP_PING, b"in-between")
        ws.send_frame(OP_CONT, b"part2", fin=True)
        assert ws.recv_message() == (OP_PONG, b"in-between")
        assert ws.recv_message() == (OP_TEXT, b"part1-part2")
        assert ws.close(4001) == 4001


def test_sixteen_mebibyte_message(proxy):
    with WebSocket.connect(proxy.port(), "/ws", timeout=60) as ws:
        huge = b"\xab" * (16 << 20)
        ws.send_binary(huge)
        assert ws.recv_message(timeout=60) == (OP_BINARY, huge)


def test_many_messages_both_directions(proxy):
    with WebSocket.connect(proxy.port(), "/ws") as ws:
        for i in range(200):
            ws.send_text(f"m{i}")
        for i in range(200):
            assert ws.recv_message() == (OP_TEXT, f"m{i}".encode())


def test_upgrade_refused_is_relayed(pier_factory):
    """A non-101 answer to an upgrade request is relayed as a normal response."""
    p = pier_factory(dynamic=harness.dynamic({"ws": router("PathPrefix(`/ws`)", "empty")},
                                             {"empty": {"loadBalancer": {"servers": []}}}))
    with pytest.raises(ConnectionError, match="503"):
        WebSocket.connect(p.port(), "/ws")


def test_tunnel_survives_reloads(proxy, backend_factory):
    """I1.4: an established WebSocket keeps working across configuration reloads."""
    other = backend_factory("other")
    with WebSocket.connect(proxy.port(), "/ws") as ws:
        for i in range(5):
            routers = {"ws": router("PathPrefix(`/ws`)", "s"), f"extra{i}": router(f"PathPrefix(`/extra{i}`)", "o")}
            proxy.write_dynamic(harness.dynamic(routers, {"s": proxy.services["s"], "o": lb(other)}))
            ws.send_text(f"after reload {i}")
            assert ws.recv_message() == (OP_TEXT, f"after reload {i}".encode())
        # Even when the route itself is removed, the existing tunnel is not cut.
        proxy.write_dynamic(harness.dynamic({"x": router("PathPrefix(`/x`)", "o")}, {"o": lb(other)}))
        assert proxy.get("/ws").status == 404
        ws.send_text("still here")
        assert ws.recv_message() == (OP_TEXT, b"still here")
