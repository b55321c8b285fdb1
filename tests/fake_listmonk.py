"""A stateful stand-in for listmonk's campaign API on 127.0.0.1, with scripted faults (EMAIL-QUALITY R7).

It keeps campaigns in memory, follows listmonk's own rules where the spec is silent (required
fields, tag filter, `running` only from draft/paused, auth `token user:key`), records every
request, and can answer a route with a fault instead: a status code, a stall, or a connection
reset before or after the change was applied. Bound to loopback only; every wait is bounded.
"""

from __future__ import annotations

import json
import re
import socket
import ssl
import struct
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

STALL_LIMIT = 10.0  # seconds a stalled handler waits at most before giving up


@dataclass
class Recorded:
    """One request as the fake saw it."""

    method: str
    path: str
    query: dict
    headers: dict
    body: object


@dataclass
class Fault:
    """What to do instead of (or after) answering: see FakeListmonk.fault()."""

    kind: str  # "status", "reset-before", "reset-after", "stall", "hold", "hold-after"
    status: int = 0
    headers: dict = field(default_factory=dict)
    body: dict | None = None
    gate: threading.Event | None = None


class FakeListmonk:
    """listmonk's /api/lists and /api/campaigns, in memory."""

    def __init__(self, *, user: str = "newsroom", token: str = "fake-token", lists: dict[int, str] | None = None,
                 leaky: bool = False, tls: tuple | None = None):
        self.user, self.token, self.leaky, self.tls = user, token, leaky, tls
        self.lists = lists if lists is not None else {3: "Newsletter", 4: "Team"}
        self.campaigns: dict[int, dict] = {}
        self.requests: list[Recorded] = []
        self.applied: list[Recorded] = []  # requests that reached the API logic (not stalled or reset before)
        self.received = threading.Event()  # set whenever a request arrives
        self._faults: list[tuple[str, re.Pattern, Fault]] = []
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    # -- control -----------------------------------------------------------------------------

    def start(self) -> str:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = _QuietServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        if self.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return self.base_url

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{'https' if self.tls else 'http'}://{host}:{port}/api"

    def stop(self) -> None:
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def fault(self, method: str, path_pattern: str, fault: Fault) -> None:
        """Answer the next matching request (once) with `fault`; faults queue up in order."""
        self._faults.append((method, re.compile(path_pattern + "$"), fault))

    def sends(self, campaign_id: int | None = None, *, applied: bool = False) -> list[Recorded]:
        """Every request that asked to start or schedule a campaign (`applied`: only those the API processed)."""
        return [r for r in (self.applied if applied else self.requests)
                if r.method == "PUT" and r.path.endswith("/status")
                and isinstance(r.body, dict) and r.body.get("status") in ("running", "scheduled")
                and (campaign_id is None or r.path == f"/api/campaigns/{campaign_id}/status")]

    def reset(self) -> None:
        """Forget campaigns, requests and pending faults (for a server shared by several tests)."""
        with self._lock:
            self.campaigns.clear()
            self.requests.clear()
            self.applied.clear()
            self._faults.clear()
        self.received.clear()

    def authorized(self, header: str) -> bool:
        """Whether the Authorization header carries this fake's credential (listmonk: `token user:key`)."""
        return header == f"token {self.user}:{self.token}"

    def calls(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in self.requests]

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for i, (m, pattern, fault) in enumerate(self._faults):
                if m == method and pattern.match(path):
                    del self._faults[i]
                    return fault
        return None

    # -- the API -----------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict, body) -> tuple[int, dict]:
        with self._lock:
            return self._route(method, path, query, body)

    def _route(self, method, path, query, body) -> tuple[int, dict]:
        if m := re.fullmatch(r"/api/lists/(\d+)", path):
            list_id = int(m[1])
            if method == "GET" and list_id in self.lists:
                return 200, {"data": {"id": list_id, "name": self.lists[list_id], "subscriber_count": 2}}
            return 404, {"message": "List not found."}
        if path == "/api/campaigns" and method == "GET":
            tags = query.get("tags", [])
            found = [c for c in sorted(self.campaigns.values(), key=lambda c: -c["id"])
                     if not tags or set(tags) & set(c["tags"])]
            return 200, {"data": {"results": found, "total": len(found), "page": 1, "per_page": 50}}
        if path == "/api/campaigns" and method == "POST":
            problem = _invalid(body, self.lists)
            if problem:
                return 400, {"message": problem}
            campaign_id = len(self.campaigns) + 1
            self.campaigns[campaign_id] = {**body, "id": campaign_id, "status": "draft",
                                           "lists": [{"id": i, "name": self.lists[i]} for i in body["lists"]]}
            return 200, {"data": self.campaigns[campaign_id]}
        m = re.fullmatch(r"/api/campaigns/(\d+)(/status|/test)?", path)
        if not m or int(m[1]) not in self.campaigns:
            return 404, {"message": "Campaign not found."}
        campaign = self.campaigns[int(m[1])]
        if m[2] is None and method == "GET":
            return 200, {"data": campaign}
        if m[2] is None and method == "PUT":
            if campaign["status"] not in ("draft", "paused", "scheduled"):
                return 400, {"message": "Cannot edit campaign; it is running or finished."}
            problem = _invalid(body, self.lists)
            if problem:
                return 400, {"message": problem}
            campaign.update({k: v for k, v in body.items() if k != "lists"})
            return 200, {"data": campaign}
        if m[2] == "/test" and method == "POST":
            if not body.get("subscribers"):
                return 400, {"message": "No subscribers to send test to."}
            campaign.setdefault("tests", []).append(body["subscribers"])
            return 200, {"data": True}
        if m[2] == "/status" and method == "PUT":
            return self._status(campaign, body.get("status"))
        return 405, {"message": "Method not allowed."}

    @staticmethod
    def _status(campaign: dict, status: str) -> tuple[int, dict]:
        allowed = {"running": ("draft", "paused", "scheduled"), "scheduled": ("draft", "paused"),
                   "paused": ("running",), "cancelled": ("running", "paused")}
        if campaign["status"] not in allowed.get(status, ()):
            return 400, {"message": f"Cannot change campaign status from {campaign['status']} to {status}."}
        if status == "scheduled" and not campaign.get("send_at"):
            return 400, {"message": "Campaign needs a `send_at` date to be scheduled."}
        campaign["status"] = status
        return 200, {"data": campaign}


def _invalid(body, lists) -> str | None:
    if not isinstance(body, dict):
        return "invalid JSON"
    for name in ("name", "subject", "lists", "type", "content_type", "body"):
        if not body.get(name):
            return f"invalid `{name}`"
    if any(i not in lists for i in body["lists"]):
        return "Invalid list ID(s)."
    return None


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:  # resets and TLS aborts are part of the script
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake: FakeListmonk

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def _serve(self, method: str) -> None:
        fake = self.fake
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        recorded = Recorded(method, split.path, parse_qs(split.query), dict(self.headers), body)
        fake.requests.append(recorded)
        fake.received.set()
        auth = self.headers.get("Authorization", "")
        if not fake.authorized(auth):
            detail = f" (got {auth!r})" if fake.leaky else ""
            return self._reply(403, {"message": f"Invalid API credentials{detail}"})
        fault = fake._take_fault(method, split.path)
        if fault and fault.kind == "status":
            return self._reply(fault.status, fault.body or {"message": "fault"}, fault.headers)
        if fault and fault.kind == "reset-before":
            return self._reset()
        if fault and fault.kind in ("stall", "hold"):
            (fault.gate or fake._release).wait(STALL_LIMIT)
            if fault.kind == "stall":
                return self._reset()
        status, payload = fake.handle(method, split.path, parse_qs(split.query), body)
        fake.applied.append(recorded)
        if fault and fault.kind == "hold-after":  # applied, but the answer waits for the gate
            (fault.gate or fake._release).wait(STALL_LIMIT)
        if fault and fault.kind == "reset-after":
            return self._reset()
        if fake.leaky and status >= 400:
            payload = {"message": f"{payload['message']} (request had {auth!r})"}
        self._reply(status, payload)

    def _reply(self, status: int, payload: dict | None, headers: dict | None = None) -> None:
        data = json.dumps(payload).encode() if payload is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _reset(self) -> None:
        """Drop the connection with a TCP RST and no response."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def finish(self) -> None:
        try:
            super().finish()
        except (OSError, ValueError):
            pass
