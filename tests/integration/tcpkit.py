"""Real TCP (and TLS) backends for TCP-router tests: small threaded servers on loopback.

Each server answers every connection with a handler; the default echoes what it reads prefixed
with the server's name, so a test sees which backend a connection reached. `received_headers`
keeps the first bytes of each connection (to check PROXY protocol headers)."""

from __future__ import annotations

import socket
import ssl
import threading
from typing import Callable, Optional

LOOPBACK = "127.0.0.1"


class TcpServer:
    def __init__(self, name: str, banner: Optional[bytes] = None, proxy_header: bool = False,
                 tls: Optional[ssl.SSLContext] = None):
        self.name = name
        self.banner = banner
        self.proxy_header = proxy_header
        self.tls = tls
        self.headers: list[bytes] = []      # PROXY headers seen, one per connection
        self.peer_certs: list[Optional[dict]] = []
        self.errors: list[str] = []
        self.connections = 0
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((LOOPBACK, 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        self.address = f"{LOOPBACK}:{self.port}"
        self._stop = False
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    def _accept_loop(self) -> None:
        while not self._stop:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _read_proxy_header(self, conn: socket.socket) -> bytes:
        first = conn.recv(16, socket.MSG_PEEK)
        if first.startswith(b"PROXY "):
            line = b""
            while not line.endswith(b"\r\n"):
                line += conn.recv(1)
            return line
        if first.startswith(b"\r\n\r\n\x00\r\nQUIT\n"):
            head = _recv_exact(conn, 16)
            return head + _recv_exact(conn, int.from_bytes(head[14:16], "big"))
        return b""

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        try:
            if self.proxy_header:
                self.headers.append(self._read_proxy_header(conn))
            if self.tls is not None:
                conn = self.tls.wrap_socket(conn, server_side=True)
                self.peer_certs.append(conn.getpeercert())
            if self.banner is not None:
                conn.sendall(self.banner)
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                conn.sendall(self.name.encode() + b":" + data)
        except (OSError, ssl.SSLError) as e:
            self.errors.append(repr(e))
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def close(self) -> None:
        self._stop = True
        try:
            self._sock.close()
        except OSError:
            pass


def _recv_exact(conn: socket.socket, n: int) -> bytes:
    out = b""
    while len(out) < n:
        chunk = conn.recv(n - len(out))
        if not chunk:
            raise ConnectionError("closed")
        out += chunk
    return out


def connect(port: int, timeout: float = 5.0) -> socket.socket:
    s = socket.create_connection((LOOPBACK, port), timeout=timeout)
    s.settimeout(timeout)
    return s


def recv_some(s: socket.socket, expect_len: int = 1) -> bytes:
    out = b""
    while len(out) < expect_len:
        chunk = s.recv(65536)
        if not chunk:
            break
        out += chunk
    return out


def closed_within(s: socket.socket, seconds: float) -> bool:
    """True when the peer closes (EOF or reset) within `seconds`."""
    s.settimeout(seconds)
    try:
        while True:
            data = s.recv(65536)
            if not data:
                return True
    except (ConnectionResetError, ssl.SSLError):
        return True
    except socket.timeout:
        return False
    except OSError:
        return True


def server_context(cert: str, key: str, client_ca: Optional[str] = None,
                   require_client: bool = False) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    if client_ca:
        ctx.load_verify_locations(client_ca)
        ctx.verify_mode = ssl.CERT_REQUIRED if require_client else ssl.CERT_OPTIONAL
    return ctx


def client_context(ca: Optional[str] = None, cert: Optional[str] = None,
                   key: Optional[str] = None, verify: bool = True,
                   min_version: Optional[ssl.TLSVersion] = None,
                   max_version: Optional[ssl.TLSVersion] = None) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if verify and ca:
        ctx.load_verify_locations(ca)
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if cert:
        ctx.load_cert_chain(cert, key)
    if min_version:
        ctx.minimum_version = min_version
    if max_version:
        ctx.maximum_version = max_version
    return ctx


def tls_connect(port: int, sni: Optional[str], ctx: ssl.SSLContext,
                timeout: float = 5.0) -> ssl.SSLSocket:
    raw = connect(port, timeout)
    return ctx.wrap_socket(raw, server_hostname=sni)


Handler = Callable[[socket.socket], None]
