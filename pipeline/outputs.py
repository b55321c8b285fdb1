"""Renditions → files under out/: one folder per report with manifest.json, plus the preview index.

What changed is written into a temporary sibling folder first and moved in with renames, one
top-level entry at a time; report folders whose revision is unchanged are left where they are. A
failed build leaves the previous out/ intact, and readers never see a half-written folder.
"""

from __future__ import annotations

import contextlib
import glob
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from pipeline.atomic import create, write_atomic
from pipeline.errors import OutputError
from pipeline.manifest import MANIFEST
from pipeline.site import DELIVERY_PAGES, SITE

logger = logging.getLogger(__name__)

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
                    (staging / name).parent.mkdir(parents=True, exist_ok=True)
                    create(staging / name, data, link_from=getattr(data, "origin", None))
            keep.add(DELIVERY_PAGES)  # written by `newsroom report`, not by the build
            _commit(staging, out_dir, keep)
            if in_place:  # temp files go in the (now empty) staging folder: never a *.tmp-* inside out/site
                _sync(out_dir, _checked(site[0]), site[1], moved=(str(staging), str(out_dir)), temp_dir=staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifests


def report_folders(out_dir: Path) -> list[str]:
    """Names of the report folders in out_dir (every folder but site/, reports/ and hidden ones)."""
    try:
        return [entry.name for entry in os.scandir(out_dir) if entry.is_dir(follow_symlinks=False)
                and not entry.name.startswith(".") and entry.name not in (SITE, DELIVERY_PAGES)]
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
        for kind in ("tmp", "old"):  # `open_staging` and `_commit` name them so
            for leftover in out_dir.parent.glob(f".{glob.escape(out_dir.name)}.{kind}-*"):
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
        write_atomic(path, data, temp_dir=temp_dir, link_from=origin)
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
