"""A report's manifest: what its output folder holds (a hash and size per file), what it was built from
(the fingerprint) and its revision (one hash naming the content). One writer, one reader, here.

`out/<slug>/manifest.json` is the one record of what is in out/: the build compares it with what
it would write (`existing_in`), `newsroom send` with the files and the inputs (`current_fingerprint`).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from pipeline import __version__
from pipeline.errors import OutputError

MANIFEST = "manifest.json"
PDF = "press.pdf"
# Every file `render.report_files` makes for a report's folder, named in one place; images/ come besides.
REPORT_FILES = ("email.html", "email.txt", "email.mjml", "email.eml", "press.html", "press.txt",
                "press-email.html", "press-email.txt", "press.eml")
# Files made from other files of the same folder by a tool whose bytes depend on the machine (fonts,
# WeasyPrint and fontTools versions). They are hashed in "files" like every file, but left out of the
# revision, which names the content: a CI runner with other fonts must not see a new revision. The
# PDF is made only when asked for (`build --pdf`): about 200 ms each, it would be 95 % of a build.
DERIVED = (PDF,)


@dataclass(frozen=True)
class Fingerprint:
    """What a build depended on: the report source, the settings, the templates, the generator."""

    source_sha256: str
    settings_sha256: str
    templates_sha256: str
    generator: str = f"newsroom {__version__}"

    def as_dict(self) -> dict:
        return {"source_sha256": self.source_sha256, "settings_sha256": self.settings_sha256,
                "templates_sha256": self.templates_sha256, "generator": self.generator}


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def current_fingerprint(content_dir: Path, template_dir: Path, source_path: Path) -> Fingerprint:
    """Fingerprint of the inputs as they are now on disk (for the stale-build check before sending)."""
    from pipeline.config import SETTINGS_FILE

    settings = content_dir / SETTINGS_FILE
    return Fingerprint(sha256_bytes(source_path.read_bytes()), sha256_bytes(settings.read_bytes()),
                       templates_fingerprint(template_dir))


def templates_fingerprint(template_dir: Path) -> str:
    """sha256 over every template file's name and bytes: part of each build's cache key and manifest."""
    digest = hashlib.sha256()
    for path in sorted(template_dir.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(template_dir)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def with_pdf(manifest: dict, files: dict[str, bytes], pdf: bytes) -> tuple[dict, dict[str, bytes]]:
    """The manifest and files with the PDF added; the revision stays (the PDF is DERIVED from press.html)."""
    return with_pdf_entry(manifest, {"sha256": sha256_bytes(pdf), "bytes": len(pdf)}), {**files, PDF: pdf}


def with_pdf_entry(manifest: dict, entry: dict) -> dict:
    """The manifest listing a PDF with this hash and size (made by an earlier build of the same revision)."""
    return {**manifest, "files": dict(sorted({**manifest["files"], PDF: entry}.items()))}


def make_manifest(rendition, report, print_: Fingerprint, files: dict[str, bytes]) -> dict:
    """The manifest: hashes of every file and input, and the revision that names this build."""
    entries = {name: {"sha256": sha256_bytes(data), "bytes": len(data)} for name, data in sorted(files.items())}
    lines = [f"{name}:{entry['sha256']}" for name, entry in entries.items() if name not in DERIVED]
    lines += [f"{key}:{value}" for key, value in sorted(print_.as_dict().items())]
    press = report.press
    return {
        "slug": rendition.slug,
        "source": report.source_path,
        **print_.as_dict(),
        "status": report.status,
        "language": rendition.language,
        "title": report.title,
        "event_date": report.event.date.isoformat(),
        "subject": rendition.subject,
        "preheader": rendition.preheader,
        "press_subject": rendition.press_subject,
        # only when the report tests subjects, so the manifests of all other reports stay as they were
        **({"subject_variants": list(report.subject_variants)} if report.subject_variants else {}),
        "web_url": rendition.web_url,
        "press_url": rendition.press_url,
        "embargo": press.embargo.isoformat() if press and press.embargo else None,
        "published": rendition.published,
        "files": entries,
        "revision": sha256_bytes("\n".join(lines).encode()),
    }


def read_manifest(out_dir: Path, slug: str) -> dict:
    """The manifest of a built report; OutputError with a fix when it is missing."""
    path = out_dir / slug / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise OutputError(f"{path}: no build found for '{slug}' — run `newsroom build` first") from err
    except (OSError, ValueError) as err:
        raise OutputError(f"{path}: the manifest is unreadable ({err}) — run `newsroom build` again") from err


@dataclass(frozen=True)
class Existing:
    """What a report folder in out/ holds, by its manifest: the manifest, and its PDF's entry if it has one."""

    manifest: dict
    pdf: dict | None = None

    def serves(self, manifest: dict, pdf: bool) -> bool:
        """True if this folder can stay as it is for `manifest` (and has a PDF when one is asked for).

        A PDF made for the same revision stays when a later build does not ask for one: it is the
        same press page, and deleting it would only make the next `build --pdf` redo the work.
        """
        return (self.manifest == {**manifest, "files": _without_pdf(manifest["files"])}
                and (self.pdf is not None or not pdf))


def existing_in(folder: str) -> Existing | None:
    """What one report folder holds, if it is exactly what its manifest says; else None (write it again).

    The freshness rule: the folder stays if its manifest.json is readable and every file it lists is
    there, with the listed size, and not modified after the manifest (the build writes the manifest
    last, so a file edited by hand is newer). Stats only: reading and hashing every file took 1.5 s per
    1,000 reports (134 MB, on the shared 2-core VM). `build --no-cache` writes everything again.
    """
    path = os.path.join(folder, MANIFEST)
    try:
        with open(path, "rb") as handle:
            written = os.fstat(handle.fileno()).st_mtime_ns
            manifest = json.loads(handle.read())
        files = manifest["files"]
        if not files_intact(folder, files, written):
            return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    pdf = files.get(PDF)
    return Existing({**manifest, "files": _without_pdf(files)}, pdf)


def files_intact(folder: str, files: dict, written: int) -> bool:
    """True if every file in `files` (a manifest's entries) is in `folder` with its size, not newer than `written`."""
    prefix = folder + os.sep  # not os.path.join: 13 files a report, 13,000 in a no-op build of 1,000
    try:
        for name, entry in files.items():
            stat = os.stat(prefix + name)
            if stat.st_size != entry["bytes"] or stat.st_mtime_ns > written:
                return False
    except OSError:
        return False
    return True


def _without_pdf(files: dict) -> dict:
    return {name: entry for name, entry in files.items() if name != PDF}
