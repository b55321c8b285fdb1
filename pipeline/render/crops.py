"""The hero picture cut to 16:9, 4:3 and 1:1 for Google's article rich results and Open Graph (Pillow).

Google's article guidance (structured data, current since its 2022 update) asks for several
high-resolution images, at least 50,000 pixels each, in the aspect ratios 16:9, 4:3 and 1:1; the
older minimum widths (696 px, later 1,200 px) applied only to AMP pages, and Discover still prefers
pictures at least 1,200 px wide. So each crop is the largest one the hero allows at its ratio, never
scaled up, and none is made for a hero narrower than MIN_WIDTH (our choice: the old AMP minimum,
and about the press page's column) or when any crop would fall under MIN_PIXELS: the page then keeps
the one hero URL.

Focal point: `hero.focus` [x, y] places each crop as Pillow's `ImageOps.fit(centering=…)` and CSS
`object-position` do: x of the spare width is cut on the left, the rest on the right (y likewise).
The point at (x, y) of the picture is therefore inside every crop, at the same fractions (x, y) of
it (to the pixel). The box is rounded to whole pixels and cut with `Image.crop`, so no pixel is
resampled (`fit` would resize with a fractional box and blur it).

Formats: a JPEG hero gives JPEG crops (quality 85, progressive, optimised Huffman tables, its ICC
profile kept, EXIF and every other metadata dropped: no camera, GPS or thumbnail reaches the public
site); a PNG or GIF hero gives PNG crops, which keeps text graphics such as the sample's title
picture sharp and small (the sample's 16:9 crop: 26 KB as PNG, 43 KB as JPEG). A camera's EXIF
orientation is applied first, so the crops are upright as browsers show the hero. Pillow's encoders
write the same bytes for the same input and version (a test builds twice); Pillow's version is part
of the build cache's key (`cache.generator_digest`) and of the crop store's.

Cost (sample hero, 1200×600 PNG, on the shared 2-core VM): about 25-40 ms to import Pillow, 8 ms to
decode, 60-80 ms to write the three PNG crops (zlib level 6; level 3 is three times faster but the
files a third larger); three JPEG crops of a photo that size take about 35 ms. That is ten to twenty
times the rest of a report, so crops are made only when the hero or its focus changes: a process keeps
them per hero file and focus, and the build's crop store (`_Store`, .newsroom/cache/crops) keeps them
by the hero's bytes, so a report rendered again for a text, template or settings change reads them
back (about 0.1 ms) without importing Pillow.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import os
import posixpath
import time
import warnings
from dataclasses import dataclass

from pipeline.atomic import write_atomic

RATIOS = ((16, 9), (4, 3), (1, 1))  # Google's order; the first is also the Open Graph image
MIN_WIDTH = 696
MIN_PIXELS = 50_000
MAX_DECODE_PIXELS = 40_000_000  # 200 KB (the file budget) of real picture is far less; more is a zip bomb
JPEG = {"quality": 85, "progressive": True, "optimize": True}


@dataclass(frozen=True)
class Crop:
    """One crop: its output name (beside the hero), size in pixels and file bytes."""

    name: str
    width: int
    height: int
    data: bytes


@dataclass(frozen=True)
class Cut:
    """What `make` found: the hero's size (after EXIF orientation) and its crops (none if too small)."""

    width: int
    height: int
    crops: tuple[Crop, ...]


def crop_name(name: str, ratio: tuple[int, int], suffix: str) -> str:
    """`images/sub/hero.png` → `images/sub/hero@16x9.png`.

    '@' cannot occur in a local image's path (`images.IMAGE_PATH_RE`), so no content file, logo or
    other report picture can have this name; it is a valid URL path character (RFC 3986 pchar).
    """
    stem = posixpath.splitext(name)[0]
    return f"{stem}@{ratio[0]}x{ratio[1]}{suffix}"


def box(size: tuple[int, int], ratio: tuple[int, int], focus: tuple[float, float]) -> tuple[int, int, int, int]:
    """The largest box of exactly `ratio` inside `size` (whole pixels: 1200×600 gives 1056×594 at 16:9),
    its spare width and height split at `focus`."""
    width, height = size
    scale = min(width // ratio[0], height // ratio[1])
    crop_w, crop_h = scale * ratio[0], scale * ratio[1]
    left = round((width - crop_w) * focus[0])
    top = round((height - crop_h) * focus[1])
    return left, top, left + crop_w, top + crop_h


def make(source: str, name: str, focus: tuple[float, float] | None, store: str | None = None) -> Cut:
    """The crops of the hero file `source` (published as `name`), cut at `focus` (default: the centre).

    A process keeps them by the file's path, size and modification time; `store` (the project's
    `.newsroom/cache/crops`, or None) keeps them across processes by the file's bytes (`_Store`).
    """
    stat = os.stat(source)
    return _remembered(source, name, tuple(focus or (0.5, 0.5)), stat.st_size, stat.st_mtime_ns, store)


@functools.lru_cache(maxsize=64)
def _remembered(source: str, name: str, focus: tuple[float, float], size: int, mtime_ns: int,
                store: str | None) -> Cut:
    with open(source, "rb") as handle:
        data = handle.read()
    if store is None:
        return _cut(data, name, focus)
    kept = _Store(store)
    key = kept.key(data, name, focus)
    cut = kept.get(key)
    if cut is None:
        cut = _cut(data, name, focus)
        kept.put(key, cut)
    return cut


class _Store:
    """Crops by content: sha256 of the hero's bytes, its output name, the focus, this module and Pillow.

    A template, settings or text change renders a report again, but its crops come from here: they
    are made only when the hero or its focus changes (or Pillow or this module). One file per entry,
    a JSON header line and the crops' bytes, written under a temp name and renamed; an unreadable
    entry is a miss. Entries unused for KEEP_DAYS are removed whenever a new one is written.
    """

    KEEP_DAYS = 30

    def __init__(self, folder: str):
        self.folder = folder

    def key(self, data: bytes, name: str, focus: tuple[float, float]) -> str:
        import PIL  # the package only (0.5 ms), not its decoders

        digest = hashlib.sha256(_code_digest() + f"\0{PIL.__version__}\0{name}\0{focus!r}\0".encode())
        digest.update(data)
        return digest.hexdigest()

    def get(self, key: str) -> Cut | None:
        path = os.path.join(self.folder, key[:2], key)
        try:
            with open(path, "rb") as handle:
                header = json.loads(handle.readline())
                crops, at = [], 0
                body = handle.read()
            for name, width, height, size in header["crops"]:
                crops.append(Crop(name, width, height, body[at: at + size]))
                at += size
            if at != len(body):
                raise ValueError("the entry's length does not match its header")
            os.utime(path)  # used: kept by `_prune`
            return Cut(header["width"], header["height"], tuple(crops))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            with contextlib.suppress(OSError):
                os.unlink(path)
            return None

    def put(self, key: str, cut: Cut) -> None:
        header = {"width": cut.width, "height": cut.height,
                  "crops": [[crop.name, crop.width, crop.height, len(crop.data)] for crop in cut.crops]}
        data = json.dumps(header).encode() + b"\n" + b"".join(crop.data for crop in cut.crops)
        try:
            write_atomic(os.path.join(self.folder, key[:2], key), data)
        except OSError:  # a read-only or full disk: the crops are made again next time
            return
        self._prune()

    def _prune(self) -> None:
        oldest = time.time() - self.KEEP_DAYS * 86400
        for shard in _entries(self.folder):
            for entry in _entries(shard.path):
                with contextlib.suppress(OSError):
                    if entry.stat().st_mtime < oldest:
                        os.unlink(entry.path)


def _entries(folder: str) -> list[os.DirEntry]:
    try:
        return list(os.scandir(folder))
    except OSError:
        return []


@functools.lru_cache(maxsize=1)
def _code_digest() -> bytes:
    """This module's own bytes: a change to how crops are cut or encoded makes new entries."""
    with open(__file__, "rb") as handle:
        return hashlib.sha256(handle.read()).digest()


class Unreadable(Exception):
    """The file passed `check` (its first bytes are a JPEG, PNG or GIF) but Pillow cannot decode it."""


def _cut(data: bytes, name: str, focus: tuple[float, float]) -> Cut:
    from PIL import Image, ImageOps

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:
                if opened.width * opened.height > MAX_DECODE_PIXELS:
                    raise Unreadable(f"{opened.width}×{opened.height} pixels; at most {MAX_DECODE_PIXELS:,} are read")
                is_jpeg = opened.format == "JPEG"
                icc = opened.info.get("icc_profile")
                picture = ImageOps.exif_transpose(opened)  # a decoded copy, upright; EXIF is not carried over
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise Unreadable(str(err) or type(err).__name__) from err
    width, height = picture.size
    boxes = [(ratio, box((width, height), ratio, focus)) for ratio in RATIOS]
    if width < MIN_WIDTH or any((b[2] - b[0]) * (b[3] - b[1]) < MIN_PIXELS for _, b in boxes):
        return Cut(width, height, ())
    if is_jpeg:
        if picture.mode not in ("RGB", "L"):
            picture, icc = picture.convert("RGB"), None  # CMYK: browsers show it badly; the profile was CMYK's
        options, suffix = dict(JPEG, icc_profile=icc) if icc else dict(JPEG), ".jpg"
    else:
        if picture.mode not in ("RGB", "RGBA", "L", "LA", "P", "1"):
            picture = picture.convert("RGBA")
        options, suffix = ({"icc_profile": icc} if icc else {}), ".png"
    crops = []
    for ratio, (left, top, right, bottom) in boxes:
        data = io.BytesIO()
        picture.crop((left, top, right, bottom)).save(data, "JPEG" if is_jpeg else "PNG", **options)
        crops.append(Crop(crop_name(name, ratio, suffix), right - left, bottom - top, data.getvalue()))
    return Cut(width, height, tuple(crops))
