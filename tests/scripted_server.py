"""A loopback HTTP server that answers each request with the next scripted action (EMAIL-QUALITY R7).

Actions: `Reply(status, body, headers)`, `STALL` (hold the connection until released, then drop it)
and `RESET` (read the request, then drop the connection with a TCP RST). Every request is recorded.
A `Reply` body may be a function of the request's headers (a server that echoes credentials back),
and a `Reply` with `raw` bytes sends them as they are (an HTML page). `tls=(cert, key)` serves https.
"""

from __future__ import annotations

import json
import socket
import ssl
import struct
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STALL_LIMIT = 10.0


@dataclass
class Reply:
    """A scripted answer."""

    status: int = 200
    body: dict | None = field(default_factory=dict)
    headers: dict = field(default_factory=dict)
    raw: bytes | None = None


STALL, RESET = "stall", "reset"


class ScriptedServer:
    """Answers each request with the next scripted action (Reply, STALL or RESET); then 200 {}."""

    def __init__(self, tls: tuple | None = None):
        self.script: list = []
        self.requests: list[tuple[str, str, dict]] = []
        self.release = threading.Event()
        handler = type("Handler", (_ScriptedHandler,), {"owner": self})
        self.server = _Quiet(("127.0.0.1", 0), handler)
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        self.url = "%s://127.0.0.1:%d" % ("https" if tls else "http", self.server.server_address[1])

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


class _Quiet(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass


class _ScriptedHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    owner: ScriptedServer

    def log_message(self, *args) -> None:
        pass

    def _any(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        owner = self.owner
        owner.requests.append((self.command, self.path, dict(self.headers)))
        action = owner.script.pop(0) if owner.script else Reply()
        if action == STALL:
            owner.release.wait(STALL_LIMIT)
            action = RESET
        if action == RESET:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        body = action.body(dict(self.headers)) if callable(action.body) else action.body
        data = action.raw if action.raw is not None else json.dumps(body).encode() if body is not None else b""
        self.send_response(action.status)
        for name, value in {"Content-Type": "application/json", "Content-Length": str(len(data)),
                            **action.headers}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any

    def finish(self) -> None:
        try:
            super().finish()
        except (OSError, ValueError):
            pass
