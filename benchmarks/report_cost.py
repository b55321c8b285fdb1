"""Wall time of `newsroom report` over 50 sent campaigns, the CLI as a user runs it, against a local mock.

Run: .venv/bin/python benchmarks/report_cost.py [--campaigns 50] [--runs 5] [--latency 0.1]

A temp copy of the sample project gets a listmonk target at a loopback HTTPS mock (a throw-away
certificate from `openssl`) and a send ledger with N sent campaigns to it. The mock answers in the shape
of listmonk's spec (`GET /campaigns/{id}`: a finished campaign to 1,000 subscribers; `GET /bounces`: 25
hard and 5 soft bounce records), so each campaign costs the report two GETs, as against a real listmonk.
Prints the median wall time of a fresh `python -m pipeline report` (table and `--json`) over the runs;
`--latency` makes the mock wait before each answer, as a provider across the internet does.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
USER, TOKEN = "bench", "bench-token"


class _Listmonk(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    requests = 0
    latency = 0.0  # seconds the mock waits before each answer, as a provider across the internet would

    def log_message(self, *args) -> None:
        pass

    def setup(self) -> None:
        super().setup()  # headers and body leave in two writes: without this, Nagle + delayed ACK add 40 ms each
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        type(self).requests += 1
        time.sleep(self.latency)
        match = re.fullmatch(r"/api/campaigns/(\d+)", self.path.split("?")[0])
        if match:
            body = {"data": {"id": int(match[1]), "status": "finished", "to_send": 1000, "sent": 1000, "views": 0,
                             "clicks": 0, "lists": [{"id": 3, "name": "Newsletter"}], "body": "<p>Hallo</p>",
                             "started_at": "2026-11-30T09:00:00Z", "tags": []}}
        elif self.path.startswith("/api/bounces"):
            records = [{"id": n, "type": "hard" if n < 25 else "soft", "source": "api"} for n in range(30)]
            body = {"data": {"results": records, "total": len(records)}}
        else:
            self.send_error(404)
            return
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _serve(folder: Path) -> tuple[ThreadingHTTPServer, Path]:
    import ssl

    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Listmonk)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, cert


def _project(folder: Path, url: str, campaigns: int) -> Path:
    from pipeline.ledger import Ledger, SendState

    project = folder / "project"
    shutil.copytree(ROOT / "content", project / "content")
    shutil.copytree(ROOT / "templates", project / "templates")
    settings = project / "content" / "newsroom.yaml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text[:text.index("\ntargets:") + 1] + f"targets:\n  lm:\n    provider: listmonk\n"
                        f"    list: \"3\"\n    base_url: {url}/api\n", encoding="utf-8")
    with Ledger.open(project / ".newsroom" / "ledger.sqlite3") as ledger:
        for n in range(1, campaigns + 1):
            slug = f"2026-11-{n % 28 + 1:02d}-bericht-{n}"
            record = ledger.plan(ref=f"newsroom-{slug}-0123456789ab-to-3", slug=slug, revision="0" * 64,
                                 channel="newsletter", target="lm", provider="listmonk", list_id="3")
            record = ledger.transition(record, SendState.DRAFTED, remote_id=str(n))
            ledger.transition(ledger.transition(record, SendState.SENDING), SendState.SENT)
    return project


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--campaigns", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds the mock waits per request")
    options = parser.parse_args()
    _Listmonk.latency = options.latency
    with tempfile.TemporaryDirectory(prefix="newsroom-report-bench-") as temp:
        server, cert = _serve(Path(temp))
        url = f"https://127.0.0.1:{server.server_address[1]}"
        project = _project(Path(temp), url, options.campaigns)
        env = {**os.environ, "NEWSROOM_LISTMONK_USER": USER, "NEWSROOM_LISTMONK_TOKEN": TOKEN,
               "REQUESTS_CA_BUNDLE": str(cert), "HOME": temp}
        for form in ((), ("--json",)):
            times = []
            for _ in range(options.runs):
                started = time.perf_counter()
                result = subprocess.run([sys.executable, "-m", "pipeline", "report", *form], cwd=project, env=env,
                                        capture_output=True, text=True)
                times.append(time.perf_counter() - started)
                if result.returncode != 0:
                    raise SystemExit(f"newsroom report failed: {result.stderr}")
            label = " ".join(("newsroom report", *form))
            per_run = _Listmonk.requests // (options.runs * (1 + bool(form)))
            print(f"{label}: {options.campaigns} campaigns, {statistics.median(times):.2f} s median of "
                  f"{options.runs} runs (min {min(times):.2f} s), {per_run} requests per run")
        server.shutdown()


if __name__ == "__main__":
    main()
