"""Live preview: build into a temp folder, serve it on 127.0.0.1 only, rebuild when inputs change.

Like MkDocs' `serve`, the preview never touches out/: it builds with the same `build()` into a
temporary folder, with the local server's address as site URL so images load offline. A rebuild
re-renders only the reports whose inputs changed (the build cache in .newsroom/cache/) and
replaces only their folders; this process keeps the templates compiled between rebuilds. A press
PDF (about 200 ms, and a second to load WeasyPrint) is made when it is first asked for, not on
every keystroke.

The preview shows drafts and reports under embargo, so it answers only a browser that asked for it
by a loopback name (`loopback.check_host`): binding to 127.0.0.1 alone does not stop a web page from reading it
through DNS rebinding (the page's own name is made to resolve to 127.0.0.1; its requests then carry
`Host: evil.example`). A build that fails leaves the last good one served, and every HTML page
served says so in an overlay (`OVERLAY`) until a build succeeds again; pages learn of new builds by
polling `/__newsroom/status` and reload themselves.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import html
import http.server
import io
import json
import logging
import os
import re
import shutil
import stat
import tempfile
import threading
import time
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Iterator

from pipeline.build import BuildStats, Project, build
from pipeline.errors import ContentError, PipelineError
from pipeline.loopback import HOST, Refused, check_host, local_parts
from pipeline.manifest import PDF

logger = logging.getLogger(__name__)
POLL_SECONDS = 0.5
PDFS_KEPT = 32
IDLE_SECONDS = 5  # a connection that sends no complete request for this long is closed (browsers send at once)
STATUS_PATH = ("__newsroom", "status")  # `_` names are never reports (discover skips them)
EDITOR_FILE = re.compile(r"^[.#]|~$|^\d+$")  # .x.swp, .#x (Emacs lock), #x# , x~, 4913 (Vim's probe)


@dataclass
class BuildStatus:
    """The last build's outcome, shared by the rebuild loop and the request threads."""

    generation: int = 0  # counts good builds; a page that saw an older one reloads
    error: str | None = None  # the failed build's messages, None after a good build

    def __post_init__(self):
        self.lock = threading.Lock()

    def snapshot(self) -> tuple[int, str | None]:
        with self.lock:
            return self.generation, self.error

    def record(self, error: str | None) -> None:
        with self.lock:
            self.error = error
            if error is None:
                self.generation += 1


OVERLAY = """<div id="newsroom-preview-error" role="alert" {hidden}style="position:fixed;inset:auto 0 0 0;\
z-index:2147483647;max-height:60vh;overflow:auto;margin:0;padding:1rem 1.5rem;background:#fff5f5;color:#7f1d1d;\
border-top:4px solid #b91c1c;font:14px/1.45 system-ui,Arial,sans-serif;box-shadow:0 -2px 12px rgba(0,0,0,.25)">
<strong>Build failed; this page shows the last good build. Fix the problems below and save.</strong>
<pre style="margin:.5rem 0 0;white-space:pre-wrap;font:13px/1.45 ui-monospace,Menlo,Consolas,monospace">{error}</pre>
</div>
<script>
(function () {{
  if (window.top !== window) return;  // inside the index's frames: the index shows the overlay
  var seen = {generation}, box = document.getElementById("newsroom-preview-error");
  function poll() {{
    fetch("/__newsroom/status", {{cache: "no-store"}}).then(function (r) {{ return r.json(); }}).then(function (s) {{
      if (s.error === null && s.generation !== seen) {{ location.reload(); return; }}
      box.hidden = s.error === null;
      box.querySelector("pre").textContent = s.error || "";
      setTimeout(poll, 1000);
    }}, function () {{ setTimeout(poll, 3000); }});  // the preview stopped: try again, quietly
  }}
  setTimeout(poll, 1000);
}})();
</script>
"""

NO_BUILD = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Newsroom preview: no build yet</title></head>
<body style="font:15px/1.5 system-ui,Arial,sans-serif;margin:2rem"><h1>Newsroom preview</h1>
<p>No build has succeeded yet.</p>
</body></html>
"""


def with_overlay(page: bytes, generation: int, error: str | None) -> bytes:
    """An HTML page with the build-error overlay and the status poller before `</body>` (or at its end)."""
    snippet = OVERLAY.format(hidden="" if error else "hidden ", error=html.escape(error or ""),
                             generation=generation).encode("utf-8")
    end = page.lower().rfind(b"</body>")
    return page + snippet if end < 0 else page[:end] + snippet + page[end:]


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the preview folder read-only to loopback names only, with UTF-8 for text files, and logs nothing.

    Only GET and HEAD of files (a folder gives its index.html, never a listing); every refusal is a
    short plain-text 4xx. `timeout` closes idle connections; the server is threading, so a slow client
    holds one thread, never the others.
    """

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".txt": "text/plain; charset=utf-8", ".html": "text/html; charset=utf-8",
                      ".eml": "message/rfc822", ".mjml": "text/plain; charset=utf-8",
                      ".json": "application/json; charset=utf-8"}
    timeout = IDLE_SECONDS

    pdfs: dict[str, bytes] = {}  # sha256 of press.html → its PDF, shared by the handler instances
    pdf_lock = threading.Lock()

    def __init__(self, *args, status: BuildStatus, root: Path | None = None, proxy_url: str | None = None, **kwargs):
        self.status = status
        self.root = root  # the project: /admin/ (the browser editor) and its render endpoint need it
        self.proxy_url = proxy_url  # decap-server's address while `newsroom cms --local` runs
        super().__init__(*args, **kwargs)

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        try:
            check_host(self.headers.get_all("Host") or [], self.server.server_address[1])
            self.parts = local_parts(self.requestline.split()[1])  # as sent: parse_request rewrites `//x`
        except Refused as refused:
            self.send_error(refused.code, refused.reason)
            return False
        return True

    def send_head(self):
        generation, error = self.status.snapshot()
        if tuple(self.parts) == STATUS_PATH:
            return self._send(HTTPStatus.OK, "application/json; charset=utf-8",
                              json.dumps({"generation": generation, "error": error}).encode())
        if self.parts and self.parts[0] == "admin" and self.root is not None:
            return self._admin()
        root = Path(self.directory)
        path = root.joinpath(*self.parts)
        try:
            if path.is_dir():
                if not self.path.endswith("/"):
                    self.send_response(HTTPStatus.MOVED_PERMANENTLY)
                    self.send_header("Location", self.requestline.split()[1] + "/")  # checked by local_parts
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                path = path / "index.html"
            if len(self.parts) == 2 and path.name == PDF and not path.exists():
                data = self._press_pdf(path.parent)
                if data is not None:
                    return self._send(HTTPStatus.OK, "application/pdf", data)
            if not path.resolve().is_relative_to(root.resolve()):
                raise FileNotFoundError(path)
            kind = self.guess_type(str(path))
            if kind.startswith("text/html"):
                return self._send(HTTPStatus.OK, kind, with_overlay(path.read_bytes(), generation, error))
            file = path.open("rb")  # not a regular file (a folder without index.html) → OSError
        except (OSError, ValueError):
            if not self.parts and error is not None:  # no good build yet: the index says why
                return self._send(HTTPStatus.SERVICE_UNAVAILABLE, "text/html; charset=utf-8",
                                  with_overlay(NO_BUILD.encode(), generation, error))
            self.send_error(HTTPStatus.NOT_FOUND, "not found")
            return None
        size = os.fstat(file.fileno()).st_size
        self._headers(HTTPStatus.OK, kind, size)
        return file

    def _send(self, code: HTTPStatus, kind: str, data: bytes):
        self._headers(code, kind, len(data))
        return io.BytesIO(data)

    def _headers(self, code: HTTPStatus, kind: str, size: int) -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(size))
        self.send_header("Cache-Control", "no-store")  # every build changes the pages
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()

    def send_error(self, code, message=None, explain=None):
        """A short plain-text answer (http.server's HTML one would echo the request)."""
        body = f"{int(code)} {HTTPStatus(code).phrase}: {message or HTTPStatus(code).phrase}\n".encode()
        self.close_connection = True
        self.send_response(code)
        self.send_header("Connection", "close")
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if getattr(self, "command", None) != "HEAD":
            self.wfile.write(body)

    def _press_pdf(self, folder: Path) -> bytes | None:
        """The press PDF of the report built in `folder`, made on first request; None if it is no report."""
        from pipeline.manifest import MANIFEST
        from pipeline.outputs import FolderFiles
        from pipeline.render import press_pdf

        try:
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            files = FolderFiles(folder, manifest["files"])
            key = hashlib.sha256(files["press.html"]).hexdigest()
        except (OSError, ValueError, KeyError):
            return None
        with self.pdf_lock:  # one WeasyPrint run at a time; a second request for the same PDF waits for it
            if key not in self.pdfs:
                while len(self.pdfs) >= PDFS_KEPT:
                    del self.pdfs[next(iter(self.pdfs))]  # the oldest: a long session must not grow without end
                try:
                    self.pdfs[key] = press_pdf(manifest, files)
                except Exception as err:  # the preview must keep serving; say what failed
                    logger.warning("preview: no PDF for %s (%s)", folder.name, err)
                    return None
            return self.pdfs[key]

    def _admin(self):
        """The browser editor (`cms.admin_asset`): a folder gives its index.html, like the built pages."""
        from pipeline.cms import admin_asset

        folder = self.parts in (["admin"], ["admin", "en"])  # the editor's pages, in German and English
        if folder and not self.path.endswith("/"):
            self.send_response(HTTPStatus.MOVED_PERMANENTLY)
            self.send_header("Location", self.requestline.split()[1] + "/")  # checked by local_parts
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        found = admin_asset(self.root, self.parts + (["index.html"] if folder else []), self.proxy_url)
        if found is None:
            self.send_error(HTTPStatus.NOT_FOUND, "not found")
            return None
        return self._send(HTTPStatus.OK, *found)

    def do_POST(self):  # http.server naming
        """Only `POST /__newsroom/render` (the CMS preview pane, `cms_render`); it writes nothing."""
        from pipeline.cms_render import RENDER_PARTS, check_request, render_entry

        if tuple(self.parts) != RENDER_PARTS or self.root is None:
            return self.do_PUT()
        try:
            length = check_request(self.headers, self.server.server_address[1])
        except Refused as refused:
            self.send_error(refused.code, refused.reason)
            return
        body = self.rfile.read(length)
        host, port = self.server.server_address[:2]
        code, answer = render_entry(self.root, body, f"http://{host}:{port}")
        data = self._send(code, "application/json; charset=utf-8", json.dumps(answer).encode())
        self.copyfile(data, self.wfile)

    def do_PUT(self):  # http.server naming
        self.send_error(HTTPStatus.METHOD_NOT_ALLOWED, "the preview is read-only")

    do_DELETE = do_PUT

    def log_message(self, format, *args):  # signature from http.server
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True  # a client still connected when the preview stops must not keep it alive

    def handle_error(self, request, client_address):
        """A request that failed half-way (the browser went away) is no news; anything else is a warning."""
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            logger.warning("preview: a request from %s failed", client_address[0], exc_info=True)


def make_server(directory: Path, port: int = 0, host: str = HOST, status: BuildStatus | None = None,
                root: Path | None = None, proxy_url: str | None = None) -> http.server.ThreadingHTTPServer:
    """A threading HTTP server for `directory`, bound to loopback unless told otherwise (S5).

    A port that is taken, privileged or otherwise unusable is a PipelineError naming it and the fix.
    """
    handler = functools.partial(_Handler, directory=str(directory), status=status or BuildStatus(), root=root,
                                proxy_url=proxy_url)
    try:
        return _Server((host, port), handler)
    except OSError as err:
        if err.errno == errno.EADDRINUSE:
            raise PipelineError(f"port {port} on {host} is in use (another preview?) — stop that program or "
                                f"pick another port with --port (0 picks a free one)") from None
        if err.errno == errno.EACCES:
            raise PipelineError(f"port {port} on {host} needs administrator rights — pick one above 1023 "
                                f"with --port (0 picks a free one)") from None
        raise PipelineError(f"cannot serve on {host}:{port}: {err.strerror} — pick another port with --port "
                            f"(0 picks a free one)") from None


def input_state(project: Project) -> dict[str, int]:
    """Modification times of every input file (content and templates), to detect changes.

    Editors' swap, lock and backup files (`EDITOR_FILE`) are no inputs; a file that vanishes between
    listing and stat (an editor's short-lived probe) is skipped rather than fatal.
    """
    state = {}
    for folder in (project.content_dir, project.template_dir):
        for parent, folders, names in os.walk(folder):
            folders[:] = [name for name in folders if not name.startswith(".")]
            for name in names:
                if EDITOR_FILE.search(name):
                    continue
                path = os.path.join(parent, name)
                try:
                    info = os.stat(path)
                except OSError:
                    continue
                if stat.S_ISREG(info.st_mode):
                    state[path] = info.st_mtime_ns
    return state


def serve(project: Project, port: int = 8000, once: bool = False, proxy_url: str | None = None) -> Iterator[str]:
    """Build, serve and rebuild on change; yields progress lines for the CLI to print.

    The temp folder goes when the generator is closed (the CLI closes it on Ctrl-C and on SIGTERM).
    """
    status = BuildStatus()
    workdir = Path(tempfile.mkdtemp(prefix="newsroom-preview-"))
    site = workdir / "site"
    try:
        # bound first: the build needs the port for image URLs
        server = make_server(site, port, status=status, root=project.root, proxy_url=proxy_url)
    except PipelineError:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    host, bound = server.server_address[:2]
    url = f"http://{host}:{bound}"
    try:
        state = input_state(project)  # before the build: an edit saved while it runs is seen at the first poll
        yield _rebuild(project, site, url, status)
        if once:
            return
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"serving {url}/ (Ctrl-C to stop); rebuilding on every change"
        while True:
            time.sleep(POLL_SECONDS)
            now = input_state(project)
            if now != state:
                state = now
                yield _rebuild(project, site, url, status)
    finally:
        server.server_close()
        shutil.rmtree(workdir, ignore_errors=True)


def _rebuild(project: Project, site: Path, url: str, status: BuildStatus) -> str:
    """One build into `site`; the line for the terminal. The outcome goes to `status` for the browser."""
    started = time.perf_counter()
    stats = BuildStats()
    try:
        manifests = build(project, out_dir=site, site_url=url, pdf_on_request=True, stats=stats)
    except ContentError as err:
        error = "\n".join(str(issue) for issue in err.issues)
        status.record(error)
        return error + "\npreview not updated: fix the problems above"
    except PipelineError as err:
        status.record(f"error: {err}")
        return f"error: {err}\npreview not updated"
    except Exception as err:  # a bug must not stop the server mid-session; show it and go on
        logger.debug("preview: build failed", exc_info=True)
        status.record(f"internal error ({type(err).__name__}: {err}) — please report it")
        return f"internal error ({type(err).__name__}: {err}) — please report it\npreview not updated"
    status.record(None)
    return (f"built {len(manifests)} report(s) in {time.perf_counter() - started:.2f} s "
            f"({stats.rendered} rendered, {len(manifests) - stats.written} unchanged)")
