"""Rendered reports by content hash under .newsroom/cache/, so an unchanged report is neither validated nor rendered.

The key of a report is a sha256 over everything its outputs depend on: the source file's bytes and the
name it is shown under, the settings file, the templates, the site URL override and the generator (the
package version, a digest of the pipeline's own files and the installed distributions). An entry holds
the validated report, its manifest and every file of its output folder, plus the size and modification
time of each file it read from content/ (images): a changed or missing image is a miss, like in make.
The press PDF, made only on request, sits beside its entry as `<key>.pdf`: the key covers everything
the press page depends on, and the generator part covers WeasyPrint's version.

One file per entry, written to a temp name and renamed into place, so a crash or a parallel build never
leaves half an entry; an unreadable entry is a miss and is removed. Nothing here imports the renderer.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import json
import logging
import os
import pickle
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from pipeline import __version__
from pipeline.atomic import write_atomic

logger = logging.getLogger(__name__)

CACHE_DIR = Path(".newsroom") / "cache"
FORMAT = b"newsroom-cache/1\n"
KEEP_AT_LEAST = 256  # entries kept besides those the last build used, so switching branches back stays fast
KEEP_OUTPUT_FOLDERS = 8  # site stamps kept, the most recently written first


@dataclass(frozen=True)
class Inputs:
    """What every report of one build shares: settings, templates, site URL override, generator."""

    settings_sha256: str
    templates_sha256: str
    site_url: str | None = None
    generator: str = field(default_factory=lambda: generator_digest())

    @functools.cached_property
    def digest(self) -> bytes:
        parts = (FORMAT.decode(), self.settings_sha256, self.templates_sha256, self.site_url or "", self.generator)
        return hashlib.sha256("\0".join(parts).encode()).digest()


def report_key(inputs: Inputs, display: str, raw: bytes) -> str:
    """The cache key of one report file: its bytes, the name it is shown under, and the shared inputs."""
    digest = hashlib.sha256(inputs.digest)
    digest.update(display.encode() + b"\0")
    digest.update(raw)
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def generator_digest() -> str:
    """sha256 over the package version, every file of the `pipeline` package and the installed distributions.

    The version alone would miss an edited template filter or a new mjml-python; hashing our own
    ~60 files costs about a millisecond, and the `*.dist-info` names carry every dependency's version.
    """
    digest = hashlib.sha256(f"newsroom {__version__} python {sys.version_info[:2]}\0".encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo"):
            digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes() + b"\0")
    for folder in sorted({p for p in sys.path if p.endswith("site-packages") and os.path.isdir(p)}):
        for name in sorted(os.listdir(folder)):
            if name.endswith(".dist-info"):
                digest.update(name.encode() + b"\0")
    return digest.hexdigest()


@dataclass
class Entry:
    """One cached report: its manifest, the validated report (pickled) and where its files sit in the entry file."""

    key: str
    path: str
    manifest: dict
    pickled_report: bytes  # `load_report` it only when needed: about 70 µs each, and a no-op build needs few
    translation: str | None  # the report's `translation:` link, read by cross-file rules without unpickling
    files_at: int
    sizes: list[tuple[str, int]]
    assets: list[list] = field(default_factory=list)  # [source, size, mtime_ns] of each content file it read

    def files(self) -> dict[str, bytes]:
        """Every file of the report's output folder (manifest.json excepted), read from the entry."""
        with open(self.path, "rb") as handle:
            handle.seek(self.files_at)
            data = handle.read()
        files, offset = {}, 0
        for name, size in self.sizes:
            files[name] = data[offset: offset + size]
            offset += size
        if offset != len(data):
            raise ValueError(f"{self.path}: holds {len(data)} bytes of files, the header lists {offset}")
        return files


class Cache:
    """Entries under `root` (normally <project>/.newsroom/cache).

    `enabled=False`: nothing is read or written. `read=False` (`build --no-cache`): every lookup is a
    miss, and what is rendered replaces the entries.
    """

    def __init__(self, root: Path, enabled: bool = True, read: bool = True):
        self.root = Path(root)
        self._reports = str(self.root / "reports")
        self.enabled = enabled
        self.reading = enabled and read
        self.used: set[str] = set()
        self.stored = 0

    @property
    def crops(self) -> Path | None:
        """Where the hero's crops are kept across processes (`render/crops.py`); None when the cache is off."""
        return self.root / "crops" if self.reading else None

    def _path(self, key: str) -> str:
        # strings, not Paths: a no-op build asks for thousands of these, and pathlib costs ~10 µs a join
        return f"{self._reports}{os.sep}{key[:2]}{os.sep}{key}"

    def has(self, key: str) -> bool:
        """True if an entry file exists for `key` (cheap: no read, no check)."""
        return self.reading and os.path.isfile(self._path(key))

    def drop(self, key: str) -> None:
        """Remove the entry for `key` (its files turned out unreadable)."""
        _remove(self._path(key))
        self.used.discard(key)

    def lookup(self, key: str) -> Entry | None:
        """The entry for `key` if present, readable, and every content file it read is unchanged; else None."""
        if not self.reading:
            return None
        path = self._path(key)
        try:
            with open(path, "rb") as handle:
                if handle.readline() != FORMAT:
                    raise ValueError("unknown format")
                header = json.loads(handle.readline())
                pickled = handle.read(header["report_bytes"])
                if len(pickled) != header["report_bytes"]:
                    raise ValueError("truncated")
                files_at = handle.tell()
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError) as err:
            logger.info("cache: dropping unreadable entry %s (%s)", path, err)
            _remove(path)
            return None
        assets = list(header["assets"].values())
        if not assets_unchanged(assets):
            return None
        self.used.add(key)
        return Entry(key, path, header["manifest"], pickled, header.get("translation"), files_at,
                     [tuple(pair) for pair in header["files"]], assets)

    def store(self, key: str, report, manifest: dict, files: dict[str, bytes],
              assets: dict[str, str]) -> list[list] | None:
        """Save one rendered report; `assets` maps output name → the content file it was copied from.

        Returns [source, size, mtime_ns] of each asset, or None if the entry was not saved: an asset
        whose bytes no longer match what was rendered (edited during the build) is not recorded with
        its new stat, so the entry is skipped, and the next build renders again.
        """
        if not self.enabled:
            return None
        stats = {}
        for name, source in sorted(assets.items()):
            try:
                stat = os.stat(source)
                current = Path(source).read_bytes()
            except OSError:
                return None
            if current != files.get(name):
                return None
            stats[name] = [source, stat.st_size, stat.st_mtime_ns]
        buffer = io.BytesIO()
        _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(report)
        pickled = buffer.getvalue()
        names = sorted(files)
        header = {"slug": manifest.get("slug"), "manifest": manifest, "assets": stats,
                  "translation": getattr(report, "translation", None),
                  "report_bytes": len(pickled), "files": [[name, len(files[name])] for name in names]}
        chunks = [FORMAT, json.dumps(header, ensure_ascii=False).encode() + b"\n", pickled]
        chunks += [files[name] for name in names]
        _remove(self._pdf_path(key))  # made from what this entry replaces (an image may have changed)
        if not self._write(self._path(key), b"".join(chunks)):
            return None
        self.used.add(key)
        self.stored += 1
        return list(stats.values())

    def _pdf_path(self, key: str) -> str:
        return self._path(key) + ".pdf"

    def has_pdf(self, key: str) -> bool:
        """True if the press PDF of the report with this key is cached (a stat, no read)."""
        return self.reading and os.path.isfile(self._pdf_path(key))

    def lookup_pdf(self, key: str) -> bytes | None:
        """The cached press PDF of the report with this key; it depends on nothing the key leaves out."""
        if not self.reading:
            return None
        try:
            with open(self._pdf_path(key), "rb") as handle:
                data = handle.read()
        except OSError:
            return None
        if not data.startswith(b"%PDF-"):
            _remove(self._pdf_path(key))
            return None
        self.used.add(key)
        return data

    def store_pdf(self, key: str, data: bytes) -> None:
        """Save the press PDF made for the report with this key."""
        if self.enabled and self._write(self._pdf_path(key), data):
            self.used.add(key)

    @staticmethod
    def _write(path: Path | str, data: bytes) -> bool:
        """Write whole or not at all (`atomic.write_atomic`); False (and a warning) if the disk refuses."""
        try:
            write_atomic(path, data)
        except OSError as err:  # a read-only or full disk costs speed, never the build
            logger.warning("cache: cannot write %s (%s); continuing without it", path, err)
            return False
        return True

    def site_stamp(self, out_dir: Path) -> dict | None:
        """What the last build recorded about out_dir/site, if that folder is still the one it wrote."""
        if not self.enabled:
            return None
        try:
            recorded = json.loads(self._site_stamp(out_dir).read_text(encoding="utf-8"))
            stat = os.stat(out_dir / "site")
        except (OSError, ValueError):
            return None
        if not isinstance(recorded, dict) or recorded.get("folder") != [stat.st_ino, stat.st_mtime_ns]:
            return None
        for name, (size, mtime_ns) in recorded.get("files", {}).items():  # a file edited or removed by hand
            try:
                stat = os.stat(os.path.join(out_dir, name))
            except OSError:
                return None
            if stat.st_size != size or stat.st_mtime_ns != mtime_ns:
                return None
        return recorded

    def remember_site(self, out_dir: Path, stamp: dict | None, paths: Iterable[str] = ()) -> None:
        """Record `stamp` for out_dir/site as it is now (None: forget it, before the site is changed).

        With it, the size and modification time of each of `paths` (relative to out_dir), so that a file
        of the site edited or removed by hand makes the next build bring the site back (a stat each:
        about 3 ms per 1,000 files).
        """
        if not self.enabled:
            return
        if stamp is None:
            _remove(self._site_stamp(out_dir))
            return
        try:
            stat = os.stat(out_dir / "site")
            files = {}
            for name in sorted(paths):
                recorded = os.stat(os.path.join(out_dir, name))
                files[name] = [recorded.st_size, recorded.st_mtime_ns]
        except OSError:
            return
        folder = [stat.st_ino, stat.st_mtime_ns]
        self._write(self._site_stamp(out_dir), json.dumps({**stamp, "folder": folder, "files": files}).encode())

    def _site_stamp(self, out_dir: Path) -> Path:
        return self.root / "site" / hashlib.sha256(str(out_dir).encode()).hexdigest()[:24]

    def prune(self, keep_at_least: int = KEEP_AT_LEAST) -> int:
        """Remove the oldest entries this build did not use, keeping `keep_at_least` of them; returns how many.

        Runs only after a build that stored something, so a no-op build never scans the cache.
        """
        folder = self.root / "reports"
        if not self.enabled or not self.stored or not folder.is_dir():
            return 0
        unused = []
        for shard in os.scandir(folder):
            if shard.is_dir():
                for item in os.scandir(shard.path):
                    if ".tmp-" in item.name or item.name.removesuffix(".pdf") not in self.used:
                        unused.append((item.stat().st_mtime_ns, item.path))
        unused.sort(reverse=True)
        for _, path in unused[keep_at_least:]:
            _remove(Path(path))
        # a site stamp per output folder: a preview's temp folder leaves one behind
        stamps = sorted(((item.stat().st_mtime_ns, item.path) for item in _scan(self.root / "site")), reverse=True)
        for _, path in stamps[KEEP_OUTPUT_FOLDERS:]:
            _remove(path)
        return max(0, len(unused) - keep_at_least)


def _scan(folder: Path) -> list[os.DirEntry]:
    try:
        return [item for item in os.scandir(folder) if item.is_file()]
    except OSError:
        return []


def assets_unchanged(assets: list[list]) -> bool:
    """True if every [source, size, mtime_ns] still matches the file on disk (like make, by stat)."""
    for source, size, mtime_ns in assets:
        try:
            stat = os.stat(source)
        except OSError:
            return False
        if (stat.st_size, stat.st_mtime_ns) != (size, mtime_ns):
            return False
    return True


def load_report(pickled: bytes):
    """A report pickled by `Cache.store`; only model classes and date/time values can come out of it."""
    return _RestrictedUnpickler(io.BytesIO(pickled)).load()


class _Pickler(pickle.Pickler):
    """Writes a time zone as `ZoneInfo(key)`; its own pickle goes through `getattr`, which we never load."""

    def reducer_override(self, obj):
        if type(obj) is ZoneInfo:
            return ZoneInfo, (obj.key,)
        return NotImplemented


class _RestrictedUnpickler(pickle.Unpickler):
    """Loads only the model's classes and date/time values: an entry file cannot call anything else."""

    ALLOWED = {"datetime": {"date", "datetime", "time", "timedelta", "timezone"}, "zoneinfo": {"ZoneInfo"}}

    def find_class(self, module: str, name: str):
        if module == "pipeline.model" or name in self.ALLOWED.get(module, ()):
            found = super().find_class(module, name)
            if isinstance(found, type) and (module != "pipeline.model" or dataclasses.is_dataclass(found)):
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a cache entry")


def _remove(path: Path | str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
