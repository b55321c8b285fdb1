"""Live preview: build into a temp folder, serve it on 127.0.0.1 only, rebuild when inputs change.

Like MkDocs' `serve`, the preview never touches out/: it builds with the same `build()` into a
temporary folder, with the local server's address as site URL so images load offline. A rebuild
re-renders only the reports whose inputs changed (the build cache in .newsroom/cache/) and
replaces only their folders; this process keeps the templates compiled between rebuilds. A press
PDF (about 200 ms, and a second to load WeasyPrint) is made when it is first asked for, not on
every keystroke.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import io
import json
import logging
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Iterator

from pipeline.build import BuildStats, Project, build
from pipeline.errors import ContentError, PipelineError

logger = logging.getLogger(__name__)
POLL_SECONDS = 0.5
PDF = "press.pdf"
PDFS_KEPT = 32


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the preview folder read-only, with UTF-8 for text files, and logs nothing."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".txt": "text/plain; charset=utf-8", ".html": "text/html; charset=utf-8",
                      ".eml": "message/rfc822", ".mjml": "text/plain; charset=utf-8",
                      ".json": "application/json; charset=utf-8"}

    pdfs: dict[str, bytes] = {}  # sha256 of press.html → its PDF, shared by the handler instances
    pdf_lock = threading.Lock()

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.name == PDF and not path.exists() and path.parent.parent == Path(self.directory):
            data = self._press_pdf(path.parent)
            if data is not None:
                self.send_response(200)
                self.send_header("Content-Type", "application/pdf")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                return io.BytesIO(data)
        return super().send_head()

    def _press_pdf(self, folder: Path) -> bytes | None:
        """The press PDF of the report built in `folder`, made on first request; None if it is no report."""
        from pipeline.outputs import MANIFEST, FolderFiles, press_pdf

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
                except Exception as err:  # noqa: BLE001 - the preview must keep serving; say what failed
                    logger.warning("preview: no PDF for %s (%s)", folder.name, err)
                    return None
            return self.pdfs[key]

    def do_PUT(self):  # noqa: N802 - http.server naming
        self.send_error(405)

    do_POST = do_DELETE = do_PUT  # noqa: N815

    def log_message(self, format, *args):  # noqa: A002 - signature from http.server
        pass


def make_server(directory: Path, port: int = 0, host: str = "127.0.0.1") -> http.server.ThreadingHTTPServer:
    """A threading HTTP server for `directory`, bound to loopback unless told otherwise (S5)."""
    handler = functools.partial(_Handler, directory=str(directory))
    return http.server.ThreadingHTTPServer((host, port), handler)


def input_state(project: Project) -> dict[str, float]:
    """Modification times of every input file (content and templates), to detect changes."""
    state = {}
    for folder in (project.content_dir, project.template_dir):
        for path in folder.rglob("*"):
            if path.is_file():
                state[str(path)] = path.stat().st_mtime_ns
    return state


def serve(project: Project, port: int = 8000, once: bool = False) -> Iterator[str]:
    """Build, serve and rebuild on change; yields progress lines for the CLI to print."""
    workdir = Path(tempfile.mkdtemp(prefix="newsroom-preview-"))
    site = workdir / "site"
    server = make_server(site, port)  # bound first: the build needs the port for its image URLs
    host, bound = server.server_address[:2]
    url = f"http://{host}:{bound}"
    try:
        yield _rebuild(project, site, url)
        if once:
            return
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"serving {url}/ (Ctrl-C to stop); rebuilding on every change"
        state = input_state(project)
        while True:
            time.sleep(POLL_SECONDS)
            now = input_state(project)
            if now != state:
                state = now
                yield _rebuild(project, site, url)
    finally:
        server.server_close()
        shutil.rmtree(workdir, ignore_errors=True)


def _rebuild(project: Project, site: Path, url: str) -> str:
    started = time.perf_counter()
    stats = BuildStats()
    try:
        manifests = build(project, out_dir=site, site_url=url, pdf_on_request=True, stats=stats)
    except ContentError as err:
        return "\n".join(str(issue) for issue in err.issues) + "\npreview not updated: fix the problems above"
    except PipelineError as err:
        return f"error: {err}\npreview not updated"
    return (f"built {len(manifests)} report(s) in {time.perf_counter() - started:.2f} s "
            f"({stats.rendered} rendered, {len(manifests) - stats.written} unchanged)")
