"""A real `python -m pipeline preview --port 0` in a temp project, and raw HTTP exchanges with it."""

from __future__ import annotations

import http.client
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
SEED = "2021-11-29-industriestandort-berlin-brandenburg"
SERVING = re.compile(r"^serving http://127\.0\.0\.1:(\d+)/ ")


class Preview:
    """The preview command running in `project`; its temp folders go to `tmp` (TMPDIR)."""

    def __init__(self, project: Path, tmp: Path, *args: str):
        self.tmp = tmp
        tmp.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSROOM_")} | {"TMPDIR": str(tmp)}
        self.proc = subprocess.Popen([sys.executable, "-m", "pipeline", "preview", "--port", "0", *args],
                                     cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.errors: list[str] = []
        self.readers = [threading.Thread(target=self._read, args=(self.proc.stdout, self.lines.put), daemon=True),
                        threading.Thread(target=self._read, args=(self.proc.stderr, self.errors.append), daemon=True)]
        for reader in self.readers:
            reader.start()
        self.port = 0

    @staticmethod
    def _read(stream, put) -> None:
        for line in stream:
            put(line.rstrip("\n"))
        put(None)

    def line(self, timeout: float = 60) -> str:
        """The next line the preview prints (it prints one per build), waiting at most `timeout` seconds."""
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"the preview printed nothing for {timeout} s; stderr: {self.stderr}") from None
        assert line is not None, f"the preview exited ({self.proc.wait()}); stderr: {self.stderr}"
        return line

    def until(self, prefix: str, timeout: float = 60) -> list[str]:
        """Lines up to and including the first one starting with `prefix`."""
        seen = [self.line(timeout)]
        while not seen[-1].startswith(prefix):
            seen.append(self.line(timeout))
        return seen

    def started(self) -> Preview:
        """Wait for the first build and the `serving http://127.0.0.1:PORT/` line; remember the port."""
        while True:
            match = SERVING.match(self.line())
            if match:
                self.port = int(match.group(1))
                return self

    def stop(self, signum: int = signal.SIGTERM) -> int:
        """Send `signum` (unless it has exited) and wait for the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signum)
        return self.wait()

    def wait(self, timeout: float = 60) -> int:
        """The exit code of a preview that exits by itself."""
        code = self.proc.wait(timeout=timeout)
        for reader in self.readers:
            reader.join(timeout=10)
        self.proc.stdout.close()
        self.proc.stderr.close()
        return code

    @property
    def stderr(self) -> str:
        return "\n".join(line for line in self.errors if line is not None)

    def temp_folders(self) -> list[Path]:
        return sorted(self.tmp.glob("newsroom-preview-*"))


def copy_project(dest: Path) -> Path:
    dest.mkdir(parents=True)
    shutil.copytree(PROJECT / "content", dest / "content")
    shutil.copytree(PROJECT / "templates", dest / "templates")
    return dest


@pytest.fixture
def start_preview(tmp_project, tmp_path):
    """Start the preview in `tmp_project` (waits until it serves); every one started is stopped at the end."""
    started: list[Preview] = []

    def start(*args: str, wait: bool = True) -> Preview:
        preview = Preview(tmp_project, tmp_path / f"tmp{len(started)}", *args)
        started.append(preview)
        return preview.started() if wait else preview

    yield start
    for preview in started:
        preview.stop(signal.SIGKILL)


def exchange(port: int, head: bytes, timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    """Send raw request bytes to 127.0.0.1:port; the status, headers and body of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head)
        response = http.client.HTTPResponse(sock, method=head.split(b" ", 1)[0].decode())
        response.begin()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()


def get(port: int, target: str, host: str | None = None, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """A request with http.client; `host` replaces the Host header (default: 127.0.0.1:port)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", host if host is not None else f"127.0.0.1:{port}")
        conn.endheaders()
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()
