"""Renditions → files under out/: one folder per report with manifest.json, plus the preview index.

What changed is written into a temporary sibling folder first and moved in with renames, one
top-level entry at a time; report folders whose revision is unchanged are left where they are. A
failed build leaves the previous out/ intact, and readers never see a half-written folder.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pipeline import __version__
from pipeline.cache import templates_fingerprint
from pipeline.errors import OutputError
from pipeline.site import SITE

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"
PDF = "press.pdf"
TEXT_FILES = ("email.html", "email.txt", "email.mjml", "email.eml", "press.html", "press.txt",
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
    settings = content_dir / "newsroom.yaml"
    return Fingerprint(sha256_bytes(source_path.read_bytes()), sha256_bytes(settings.read_bytes()),
                       templates_fingerprint(template_dir))


def report_files(rendition, report, settings) -> dict[str, bytes]:
    """Every file of one report's output folder (except the manifest), as bytes."""
    from pipeline.render.message import report_messages

    messages = report_messages(rendition, settings)
    files = {
        "email.html": rendition.email_html.encode(),
        "email.txt": rendition.email_text.encode(),
        "email.mjml": rendition.email_mjml.encode(),
        "email.eml": messages["email.eml"],
        "press.html": rendition.press_html.encode(),
        "press.txt": rendition.press_text.encode(),
        "press-email.html": rendition.press_email_html.encode(),
        "press-email.txt": rendition.press_email_text.encode(),
        "press.eml": messages["press.eml"],
    }
    for name, source in sorted(rendition.assets.items()):
        files[name] = Path(source).read_bytes()
    files.update(rendition.images)  # made by the renderer: the hero's crops
    return files


def press_pdf(manifest: dict, files: Mapping[str, bytes]) -> bytes:
    """The press page of a built report as PDF; its images come from the report's own files, by public URL."""
    from pipeline.pdf import render_pdf

    assets = {manifest["web_url"] + name: files[name] for name in files if name.startswith("images/")}
    return render_pdf(files["press.html"].decode(), assets)


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
        "web_url": rendition.web_url,
        "press_url": rendition.press_url,
        "embargo": press.embargo.isoformat() if press and press.embargo else None,
        "published": rendition.published,
        "files": entries,
        "revision": sha256_bytes("\n".join(lines).encode()),
    }


def write_outputs(built: list[tuple[dict, Mapping[str, bytes]]], out_dir: Path, template_dir: Path, *,
                  staging: Path | None = None, staged: frozenset[str] = frozenset(), pdf_on_request: bool = False,
                  site: tuple[dict[str, bytes], set[str]] | None = None, replace_site: bool = False) -> list[dict]:
    """Write what changed into a temp dir beside out_dir, then move it in; unchanged report folders stay.

    `staged` names the report folders the build already wrote into `staging`; every other one in
    `built` is in out_dir already, as it should be.
    Folders in out_dir that are not in `built` are removed. The preview index is written when any
    report changed. `site` is (files, every path) of the archive site under site/, or None to keep
    out_dir/site as it is. A new site folder is staged and moved in whole; an existing one is brought
    up to date file by file after the move (`_sync`): one changed report must not rewrite a thousand
    folders. `pdf_on_request`: the index links every press.pdf, as a server makes missing ones (preview).
    `replace_site`: a new site folder even when one exists (`build --no-cache`).
    """
    out_dir = out_dir.resolve()
    staging = staging or open_staging(out_dir)
    try:
        with writing(out_dir):
            manifests = [manifest for manifest, _ in built]
            keep = {manifest["slug"] for manifest in manifests} - staged
            if not staged and keep == set(report_folders(out_dir)) and (out_dir / "index.html").is_file():
                keep.add("index.html")  # same reports, same revisions, same templates: the same index
            else:
                from pipeline.render.environment import make_environment, template_errors

                with template_errors(template_dir):
                    index = make_environment(str(template_dir)).get_template("preview/index.html.j2")
                    html = index.render(manifests=manifests, pdf_on_request=pdf_on_request)
                (staging / "index.html").write_text(html, encoding="utf-8")
            in_place = site is not None and not replace_site and (out_dir / SITE).is_dir()
            if site is None or in_place:
                keep.add(SITE)
            else:
                for name, data in _checked(site[0]).items():
                    _place(staging / name, data)
            _commit(staging, out_dir, keep)
            if in_place:  # temp files go in the (now empty) staging folder: never a *.tmp-* inside out/site
                _sync(out_dir, _checked(site[0]), site[1], moved=(str(staging), str(out_dir)), temp_dir=staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifests


def report_folders(out_dir: Path) -> list[str]:
    """Names of the report folders in out_dir (every folder but site/ and hidden ones)."""
    try:
        return [entry.name for entry in os.scandir(out_dir) if entry.is_dir(follow_symlinks=False)
                and not entry.name.startswith(".") and entry.name != SITE]
    except FileNotFoundError:
        return []


@contextlib.contextmanager
def exclusive(out_dir: Path):
    """Hold the output folder's lock (`.<name>.lock` beside it) for one build; a second build waits.

    The lock is an fcntl lock: the system releases it when its holder exits, killed or not. Once
    holding it, the staging and retired folders a killed build left beside out_dir are removed.
    """
    import fcntl

    lock = out_dir.parent / f".{out_dir.name}.lock"
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock, "a+b")  # held until the end of the build
    except OSError as err:
        raise OutputError(f"{lock}: cannot create the build's lock file ({err.strerror}) — "
                          "check permissions or choose another folder with --out") from err
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            logger.warning("%s: another build is writing this folder; waiting for it to finish", out_dir)
            fcntl.flock(handle, fcntl.LOCK_EX)
        for leftover in out_dir.parent.glob(f".{glob.escape(out_dir.name)}.[to][ml][pd]-*"):
            if leftover.name.startswith((f".{out_dir.name}.tmp-", f".{out_dir.name}.old-")):
                shutil.rmtree(leftover, ignore_errors=True)
        yield


@contextlib.contextmanager
def writing(path: Path | str):
    """Turn an OSError while writing (disk full, read-only folder, permissions) into an OutputError naming the file."""
    try:
        yield
    except OSError as err:
        raise OutputError(f"{err.filename or path}: cannot write ({err.strerror or err}) — free some disk space or "
                          "check the folder's permissions, then build again; the previous out/ was kept") from err


def open_staging(out_dir: Path) -> Path:
    """A new temp folder beside out_dir (same file system, so the final renames cannot copy)."""
    out_dir = out_dir.resolve()
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    except OSError as err:
        raise OutputError(f"{out_dir}: cannot create the output folder ({err.strerror}) — "
                          "check permissions or choose another folder with --out") from err


def write_report(folder: Path, manifest: dict, files: Mapping[str, bytes]) -> None:
    """One report's folder: every file, then manifest.json."""
    made = set()
    with writing(folder):
        for name, data in files.items():
            target = folder / name
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            target.write_bytes(data)
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n",
                                       encoding="utf-8")


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
    last, so a file edited by hand is newer). Stats only: hashing every file would cost the no-op build
    ~0.2 s per 1,000 reports. `build --no-cache` writes everything again.
    """
    path = os.path.join(folder, MANIFEST)
    try:
        with open(path, "rb") as handle:
            written = os.fstat(handle.fileno()).st_mtime_ns
            manifest = json.loads(handle.read())
        files = manifest["files"]
        for name, entry in files.items():
            stat = os.stat(os.path.join(folder, name))
            if stat.st_size != entry["bytes"] or stat.st_mtime_ns > written:
                return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    pdf = files.get(PDF)
    return Existing({**manifest, "files": _without_pdf(files)}, pdf)


def _without_pdf(files: dict) -> dict:
    return {name: entry for name, entry in files.items() if name != PDF}


class FileBytes(bytes):
    """The bytes of a file in a report folder, remembering which file: a copy of it can be a hard link."""

    origin: str


class FolderFiles(Mapping):
    """A built report's files read from its folder on access: the index and the site need only a few."""

    def __init__(self, folder: Path, names):
        self.folder = str(folder)
        self.names = tuple(names)

    def __getitem__(self, name: str) -> bytes:
        if name not in self.names:
            raise KeyError(name)
        path = os.path.join(self.folder, name)  # not pathlib: the site reads thousands of these
        with open(path, "rb") as handle:
            data = FileBytes(handle.read())
        data.origin = path
        return data

    def __iter__(self):
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


def _checked(files: dict[str, bytes]) -> dict[str, bytes]:
    """Site files by relative name, refused unless every name stays inside site/ of the output folder."""
    for name in files:
        parts = name.split("/")
        if parts[0] != SITE or "\\" in name or ":" in name or any(part in ("", ".", "..") for part in parts):
            raise OutputError(f"{name}: refusing to write outside the output folder's site/")
    return files


def _place(target: Path, data: bytes, origin: str | None = None) -> None:
    """Put `data` at `target` (a new path): a hard link to its origin file when it has one, else written."""
    target.parent.mkdir(parents=True, exist_ok=True)
    origin = origin or getattr(data, "origin", None)
    if origin is not None:
        try:
            os.link(origin, target)
            return
        except OSError:  # no hard links on this file system (or across devices): write a copy
            pass
    target.write_bytes(data)


def _sync(out_dir: Path, files: dict[str, bytes], paths: set[str], moved: tuple[str, str], temp_dir: Path) -> None:
    """Bring out_dir/site to `files` (changed ones) and `paths` (all that belong), file by file.

    Each changed file is made under a temp name and renamed over the old one, so no file is ever half
    written; files that no longer belong are removed, then folders left empty. A file copied from a
    report (`FileBytes`) becomes a hard link to it; `moved` maps its staged path to where it is now.
    """
    present = set(_files_below(out_dir, SITE))
    for name, data in files.items():
        path = str(out_dir / name)
        origin = getattr(data, "origin", None)
        if origin is not None and origin.startswith(moved[0] + os.sep):
            origin = moved[1] + origin[len(moved[0]):]
        if name in present and _equal(path, data, origin):
            continue
        temp = temp_dir / "sync.tmp"
        _place(temp, data, origin)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        os.replace(temp, path)
    folders = set()
    for name in present - paths:
        os.unlink(out_dir / name)
        folders.add(os.path.dirname(name))
    for folder in sorted(folders, key=len, reverse=True):  # deepest first; a folder still in use stays
        while folder and folder != SITE:
            try:
                os.rmdir(out_dir / folder)
            except OSError:
                break
            folder = os.path.dirname(folder)


def _files_below(out_dir: Path, top: str) -> list[str]:
    """Relative names (a/b.html) of every file under out_dir/top, or [top] if it is a file."""
    base = out_dir / top
    if base.is_file():
        return [top]
    found = []
    for folder, _, names in os.walk(base):
        relative = os.path.relpath(folder, out_dir).replace(os.sep, "/")
        found += [f"{relative}/{name}" for name in names]
    return found


def _equal(path: str, data: bytes, origin: str | None = None) -> bool:
    try:
        stat = os.stat(path)
        if origin is not None and os.path.samestat(stat, os.stat(origin)):
            return True  # the same inode: a hard link made by an earlier build
        if stat.st_size != len(data):
            return False
        with open(path, "rb") as handle:
            return handle.read() == data
    except OSError:
        return False


def _commit(staging: Path, out_dir: Path, keep: set[str]) -> None:
    """Move each staged entry into out_dir and retire what is neither staged nor kept; unchanged entries stay.

    An entry (a report folder, the index, site/) is replaced with two renames, so a reader sees the old
    or the new one, never a half-written one. If a rename fails, those already done are undone, so the
    previous out_dir stays whole. The retired entries are deleted only at the end.
    """
    os.chmod(staging, 0o755)
    if not out_dir.exists():
        os.rename(staging, out_dir)
        return
    staged = sorted(os.listdir(staging))
    stale = sorted(set(os.listdir(out_dir)) - set(staged) - keep)
    if not staged and not stale:
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
    done: list[tuple[Path, Path]] = []
    try:
        for name in staged:
            if os.path.lexists(out_dir / name):
                os.rename(out_dir / name, retired / name)
                done.append((out_dir / name, retired / name))
            os.rename(staging / name, out_dir / name)
            done.append((staging / name, out_dir / name))
        for name in stale:
            os.rename(out_dir / name, retired / name)
            done.append((out_dir / name, retired / name))
    except BaseException:
        for source, target in reversed(done):
            os.rename(target, source)
        shutil.rmtree(retired, ignore_errors=True)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def read_manifest(out_dir: Path, slug: str) -> dict:
    """The manifest of a built report; OutputError with a fix when it is missing."""
    path = out_dir / slug / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise OutputError(f"{path}: no build found for '{slug}' — run `newsroom build` first") from err
    except (OSError, ValueError) as err:
        raise OutputError(f"{path}: the manifest is unreadable ({err}) — run `newsroom build` again") from err
