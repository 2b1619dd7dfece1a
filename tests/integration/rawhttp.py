"""HTTP/1.1 and WebSocket clients on raw sockets (stdlib only).

RawClient sends exact bytes and parses responses itself, so tests control pipelining, framing and
malformed input, and can observe whether the peer closed the connection. Every blocking call is
bounded by a deadline.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import struct
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional, Union

DEFAULT_TIMEOUT = 10.0

HeaderList = list[tuple[str, str]]
HeadersArg = Union[None, dict, Iterable[tuple[str, str]]]


class ClosedError(ConnectionError):
    """The peer closed the connection before a complete message was read."""


class Deadline:
    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise TimeoutError("deadline exceeded")
        return left

    def expired(self) -> bool:
        return time.monotonic() >= self.end


@dataclass
class Response:
    status: int
    reason: str
    version: str
    headers: HeaderList
    body: bytes = b""
    chunked: bool = False
    interim: list["Response"] = field(default_factory=list)
    trailers: HeaderList = field(default_factory=list)

    def header(self, name: str) -> Optional[str]:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def header_all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def has_header(self, name: str) -> bool:
        return self.header(name) is not None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> dict:
        return json.loads(self.body)

    def wants_close(self) -> bool:
        tokens = ",".join(self.header_all("Connection")).lower().replace(" ", "").split(",")
        if "close" in tokens:
            return True
        return self.version == "HTTP/1.0" and "keep-alive" not in tokens

    def __repr__(self) -> str:
        b = self.body[:300]
        return f"<Response {self.status} {self.reason!r} headers={self.headers!r} body={b!r}>"


class BackendView:
    """The JSON answer of pier-test-backend, with helpers for headers as the backend saw them."""

    def __init__(self, data: dict):
        self.data = data
        self.headers: HeaderList = [(k, v) for k, v in data.get("headers", [])]

    def __getitem__(self, key):
        return self.data[key]

    def get(self, key, default=None):
        return self.data.get(key, default)

    def header(self, name: str) -> Optional[str]:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def header_all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def header_names(self) -> list[str]:
        return [k for k, _ in self.headers]

    def __repr__(self) -> str:
        return f"<BackendView {self.data!r}>"


def backend_view(resp: Response) -> BackendView:
    assert resp.header("X-Backend-Name") is not None or resp.body.startswith(b"{"), (
        f"not an answer from pier-test-backend: {resp!r}"
    )
    return BackendView(resp.json())


def _norm_headers(headers: HeadersArg) -> HeaderList:
    if headers is None:
        return []
    if isinstance(headers, dict):
        return list(headers.items())
    return list(headers)


def build_request(
    method: str,
    target: str,
    host: Optional[str] = "localhost",
    headers: HeadersArg = None,
    body: Optional[bytes] = None,
    version: str = "HTTP/1.1",
) -> bytes:
    """Serialises a request. Host is added first unless None or given in headers; a
    Content-Length is added for a body unless headers already frame it."""
    hl = _norm_headers(headers)
    names = {k.lower() for k, _ in hl}
    lines = [f"{method} {target} {version}"]
    if host is not None and "host" not in names:
        lines.append(f"Host: {host}")
    for k, v in hl:
        lines.append(f"{k}: {v}")
    if body is not None and "content-length" not in names and "transfer-encoding" not in names:
        lines.append(f"Content-Length: {len(body)}")
    data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return data + (body or b"")


def chunked_body(chunks: Iterable[bytes], trailers: HeadersArg = None) -> bytes:
    out = bytearray()
    for c in chunks:
        if c:
            out += f"{len(c):x}\r\n".encode() + c + b"\r\n"
    out += b"0\r\n"
    for k, v in _norm_headers(trailers):
        out += f"{k}: {v}\r\n".encode("latin-1")
    out += b"\r\n"
    return bytes(out)


class _Reader:
    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buf = bytearray()
        self.eof = False

    def _fill(self, deadline: Deadline) -> bool:
        if self.eof:
            return False
        self.sock.settimeout(deadline.remaining())
        try:
            data = self.sock.recv(256 * 1024)
        except socket.timeout as e:
            raise TimeoutError("timed out waiting for data") from e
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def read_line(self, deadline: Deadline, limit: int = 1 << 20) -> bytes:
        start = 0
        while True:
            i = self.buf.find(b"\n", start)
            if i >= 0:
                line = bytes(self.buf[:i])
                del self.buf[: i + 1]
                return line[:-1] if line.endswith(b"\r") else line
            start = len(self.buf)
            if start > limit:
                raise ValueError("line too long")
            if not self._fill(deadline):
                raise ClosedError(f"connection closed while reading a line (got {bytes(self.buf[:200])!r})")

    def read_exact(self, n: int, deadline: Deadline) -> bytes:
        while len(self.buf) < n:
            if not self._fill(deadline):
                raise ClosedError(f"connection closed after {len(self.buf)} of {n} bytes")
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    def read_some(self, deadline: Deadline, max_bytes: int = 1 << 20) -> bytes:
        """Up to max_bytes (b"" at EOF). Reads straight from the socket when nothing is buffered,
        which keeps multi-GB bodies cheap."""
        if not self.buf:
            if self.eof:
                return b""
            self.sock.settimeout(deadline.remaining())
            try:
                data = self.sock.recv(min(max_bytes, 1 << 20))
            except socket.timeout as e:
                raise TimeoutError("timed out waiting for data") from e
            if not data:
                self.eof = True
            return data
        data = bytes(self.buf[:max_bytes])
        del self.buf[:max_bytes]
        return data


def _parse_head(reader: _Reader, deadline: Deadline) -> Response:
    line = reader.read_line(deadline)
    parts = line.decode("latin-1").split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/"):
        raise ValueError(f"bad status line {line!r}")
    resp = Response(status=int(parts[1]), reason=parts[2] if len(parts) > 2 else "", version=parts[0], headers=[])
    while True:
        h = reader.read_line(deadline)
        if not h:
            break
        k, sep, v = h.decode("latin-1").partition(":")
        if not sep:
            raise ValueError(f"bad header line {h!r}")
        resp.headers.append((k, v.strip()))
    return resp


BodySink = Callable[[bytes], None]


def read_response(
    reader: _Reader,
    deadline: Deadline,
    method: str = "GET",
    sink: Optional[BodySink] = None,
    keep_interim: bool = False,
) -> Response:
    """Reads one response (skipping 1xx unless keep_interim, which returns the first 1xx)."""
    interim = []
    while True:
        resp = _parse_head(reader, deadline)
        if 100 <= resp.status < 200 and resp.status != 101:
            if keep_interim:
                return resp
            interim.append(resp)
            continue
        break
    resp.interim = interim
    body = bytearray()

    def put(data: bytes) -> None:
        if sink is not None:
            sink(data)
        else:
            body.extend(data)

    no_body = method.upper() == "HEAD" or resp.status in (101, 204, 304) or 100 <= resp.status < 200
    te = ",".join(resp.header_all("Transfer-Encoding")).lower()
    if no_body:
        pass
    elif "chunked" in te:
        resp.chunked = True
        while True:
            size_line = reader.read_line(deadline).split(b";", 1)[0].strip()
            size = int(size_line, 16)
            if size == 0:
                while True:
                    t = reader.read_line(deadline)
                    if not t:
                        break
                    k, _, v = t.decode("latin-1").partition(":")
                    resp.trailers.append((k, v.strip()))
                break
            remaining = size
            while remaining > 0:
                data = reader.read_some(deadline, remaining)
                if not data:
                    raise ClosedError("connection closed inside a chunk")
                put(data)
                remaining -= len(data)
            if reader.read_line(deadline) != b"":
                raise ValueError("missing CRLF after chunk")
    elif resp.header("Content-Length") is not None:
        remaining = int(resp.header("Content-Length"))
        while remaining > 0:
            data = reader.read_some(deadline, remaining)
            if not data:
                raise ClosedError(f"connection closed with {remaining} body bytes missing")
            put(data)
            remaining -= len(data)
    else:
        while True:
            data = reader.read_some(deadline)
            if not data:
                break
            put(data)
    resp.body = bytes(body)
    return resp


class RawClient:
    """One TCP connection. Use as a context manager or call close()."""

    def __init__(self, host: str, port: int, timeout: float = DEFAULT_TIMEOUT, source_ip: Optional[str] = None):
        self.host, self.port, self.timeout = host, port, timeout
        self.sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if source_ip:
            self.sock.bind((source_ip, 0))
        self.sock.settimeout(timeout)
        self.sock.connect((host, port))
        self.reader = _Reader(self.sock)

    def __enter__(self) -> "RawClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def local_port(self) -> int:
        return self.sock.getsockname()[1]

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data: bytes) -> None:
        self.sock.settimeout(self.timeout)
        self.sock.sendall(data)

    def send_ignoring_errors(self, data: bytes) -> Optional[Exception]:
        """Sends data; a peer that closes early (EPIPE/ECONNRESET) is reported, not raised."""
        try:
            self.send(data)
            return None
        except OSError as e:
            return e

    def read_response(
        self, method: str = "GET", timeout: Optional[float] = None, sink: Optional[BodySink] = None,
        keep_interim: bool = False,
    ) -> Response:
        return read_response(self.reader, Deadline(timeout or self.timeout), method, sink, keep_interim)

    def request(
        self,
        method: str = "GET",
        target: str = "/",
        host: Optional[str] = "localhost",
        headers: HeadersArg = None,
        body: Optional[bytes] = None,
        version: str = "HTTP/1.1",
        timeout: Optional[float] = None,
        sink: Optional[BodySink] = None,
    ) -> Response:
        self.send(build_request(method, target, host, headers, body, version))
        return self.read_response(method, timeout, sink)

    def get(self, target: str = "/", host: Optional[str] = "localhost", headers: HeadersArg = None, **kw) -> Response:
        return self.request("GET", target, host, headers, **kw)

    def wait_closed(self, timeout: float = 5.0) -> bool:
        """True if the peer closes (EOF or reset) within timeout; unread data is discarded."""
        deadline = Deadline(timeout)
        self.reader.buf.clear()
        try:
            while not deadline.expired():
                self.sock.settimeout(max(0.01, deadline.end - time.monotonic()))
                try:
                    data = self.sock.recv(65536)
                except socket.timeout:
                    return False
                if not data:
                    return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        return False

    def read_all_until_close(self, timeout: float = 5.0) -> bytes:
        """Reads everything until EOF/reset (bounded); returns the bytes seen."""
        deadline = Deadline(timeout)
        out = bytearray(self.reader.buf)
        self.reader.buf.clear()
        while True:
            try:
                self.sock.settimeout(deadline.remaining())
                data = self.sock.recv(65536)
            except (ConnectionResetError, BrokenPipeError):
                break
            except (socket.timeout, TimeoutError):
                raise TimeoutError(f"peer did not close; got {bytes(out[:300])!r}")
            if not data:
                break
            out += data
        return bytes(out)


def request(
    port: int,
    method: str = "GET",
    target: str = "/",
    host: Optional[str] = "localhost",
    headers: HeadersArg = None,
    body: Optional[bytes] = None,
    timeout: float = DEFAULT_TIMEOUT,
    addr: str = "127.0.0.1",
    source_ip: Optional[str] = None,
    version: str = "HTTP/1.1",
) -> Response:
    """One request on a fresh connection (sends Connection: close unless headers set one)."""
    hl = _norm_headers(headers)
    if not any(k.lower() == "connection" for k, _ in hl):
        hl.append(("Connection", "close"))
    with RawClient(addr, port, timeout, source_ip) as c:
        return c.request(method, target, host, hl, body, version)


def get(port: int, target: str = "/", host: Optional[str] = "localhost", headers: HeadersArg = None, **kw) -> Response:
    return request(port, "GET", target, host, headers, **kw)


def try_connect(port: int, addr: str = "127.0.0.1", timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((addr, port), timeout=timeout):
            return True
    except OSError:
        return False


# ----------------------------------------------------------------------------------------------
# WebSocket client (RFC 6455), masked frames as a client must send.

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


def ws_accept(key: str) -> str:
    return base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()


class WebSocket:
    def __init__(self, client: RawClient, response: Response):
        self.client = client
        self.response = response
        self._partial_op: Optional[int] = None
        self._partial = bytearray()

    @classmethod
    def connect(
        cls,
        port: int,
        target: str = "/",
        host: str = "localhost",
        headers: HeadersArg = None,
        timeout: float = DEFAULT_TIMEOUT,
        addr: str = "127.0.0.1",
        lowercase_ws_headers: bool = False,
    ) -> "WebSocket":
        key = base64.b64encode(os.urandom(16)).decode()
        names = ("sec-websocket-key", "sec-websocket-version") if lowercase_ws_headers else (
            "Sec-WebSocket-Key", "Sec-WebSocket-Version")
        hl = [("Upgrade", "websocket"), ("Connection", "Upgrade"), (names[0], key), (names[1], "13")]
        hl += _norm_headers(headers)
        client = RawClient(addr, port, timeout)
        try:
            client.send(build_request("GET", target, host, hl))
            resp = client.read_response("GET")
            if resp.status != 101:
                raise ConnectionError(f"WebSocket upgrade refused: {resp!r}")
            accept = resp.header("Sec-WebSocket-Accept")
            if accept != ws_accept(key):
                raise ConnectionError(f"bad Sec-WebSocket-Accept {accept!r} (expected {ws_accept(key)!r})")
        except BaseException:
            client.close()
            raise
        return cls(client, resp)

    def __enter__(self) -> "WebSocket":
        return self

    def __exit__(self, *exc) -> None:
        self.client.close()

    def send_frame(self, opcode: int, payload: bytes, fin: bool = True, mask: bool = True) -> None:
        head = bytearray([(0x80 if fin else 0) | opcode])
        n = len(payload)
        mbit = 0x80 if mask else 0
        if n < 126:
            head.append(mbit | n)
        elif n <= 0xFFFF:
            head.append(mbit | 126)
            head += struct.pack(">H", n)
        else:
            head.append(mbit | 127)
            head += struct.pack(">Q", n)
        if mask:
            key = os.urandom(4)
            head += key
            # XOR with a repeated key through int arithmetic: fast enough for multi-MiB payloads.
            k = (key * (n // 4 + 1))[:n]
            payload = (int.from_bytes(payload, "big") ^ int.from_bytes(k, "big")).to_bytes(n, "big") if n else b""
        self.client.send(bytes(head) + payload)

    def send_text(self, text: str) -> None:
        self.send_frame(OP_TEXT, text.encode())

    def send_binary(self, data: bytes) -> None:
        self.send_frame(OP_BINARY, data)

    def recv_frame(self, timeout: Optional[float] = None) -> tuple[bool, int, bytes]:
        deadline = Deadline(timeout or self.client.timeout)
        r = self.client.reader
        b0, b1 = r.read_exact(2, deadline)
        fin, opcode = bool(b0 & 0x80), b0 & 0x0F
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack(">H", r.read_exact(2, deadline))[0]
        elif n == 127:
            n = struct.unpack(">Q", r.read_exact(8, deadline))[0]
        if b1 & 0x80:
            raise ValueError("server frames must not be masked")
        return fin, opcode, r.read_exact(n, deadline)

    def recv_message(self, timeout: Optional[float] = None) -> tuple[int, bytes]:
        """Next data message (fragments joined) or control frame (returned as is; a control frame
        between fragments does not lose the partial message)."""
        deadline = Deadline(timeout or self.client.timeout)
        while True:
            fin, op, payload = self.recv_frame(deadline.remaining())
            if op >= 0x8:
                return op, payload
            if self._partial_op is None:
                if op == OP_CONT:
                    raise ValueError("continuation frame without a started message")
                self._partial_op = op
            elif op != OP_CONT:
                raise ValueError("new data frame inside a fragmented message")
            self._partial += payload
            if fin:
                msg = (self._partial_op, bytes(self._partial))
                self._partial_op, self._partial = None, bytearray()
                return msg

    def close(self, code: int = 1000, timeout: float = 5.0) -> Optional[int]:
        """Sends a close frame and waits for the peer's; returns the peer's close code."""
        self.send_frame(OP_CLOSE, struct.pack(">H", code))
        deadline = Deadline(timeout)
        try:
            while True:
                op, payload = self.recv_message(deadline.remaining())
                if op == OP_CLOSE:
                    return struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else None
        finally:
            self.client.close()
