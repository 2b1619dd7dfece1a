"""A small authentication server for the forwardAuth tests (stdlib http.server in a thread).

The decision comes from the request the proxy sends it: header X-Test-Auth (copied from the
client's request) = allow (200 + X-User: bob + a cookie), deny (403, body `nope`), redirect
(302 to a relative Location) or slow (waits, then allows). Every request is recorded.
"""

from __future__ import annotations

import http.server
import ssl
import threading
import time


class AuthServer:
    def __init__(self, slow_seconds: float = 3.0, tls: "ssl.SSLContext | None" = None) -> None:
        self.requests: list[dict] = []
        self.slow_seconds = slow_seconds
        self.slow_done = threading.Event()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                outer.requests.append({"method": self.command, "path": self.path,
                                       "headers": [(k, v) for k, v in self.headers.items()]})
                mode = self.headers.get("X-Test-Auth", "allow")
                if mode == "slow":
                    time.sleep(outer.slow_seconds)
                    outer.slow_done.set()
                    mode = "allow"
                if mode == "allow":
                    self._answer(200, [("X-User", "bob"), ("X-Auth-Extra", "e"),
                                       ("Set-Cookie", "session=fromauth; Path=/")], b"")
                elif mode == "redirect":
                    self._answer(302, [("Location", "/login?rd=1")], b"")
                else:
                    self._answer(403, [("X-Deny-Reason", "test"), ("Content-Type", "text/plain")], b"nope")

            do_POST = do_GET

            def _answer(self, status: int, headers, body: bytes) -> None:
                try:
                    self.send_response(status)
                    for k, v in headers:
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.tls = tls is not None
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def header(self, index: int, name: str):
        for k, v in self.requests[index]["headers"]:
            if k.lower() == name.lower():
                return v
        return None

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
