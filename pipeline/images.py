"""Image files a report or the settings name: where they may live, what their bytes must be, how big.

One job, apart from the report model: `check_image` reads the file (EMAIL-QUALITY S6 and E18), the
model and the settings call it for the hero and the logo. Remote (https://) images are checked by
name only; `check` makes no network request.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from pipeline.schema import Checker

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif")
IMAGE_FORMATS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "gif": "GIF"}  # extension → what its bytes must be
IMAGE_PATH_RE = re.compile(r"^[A-Za-z0-9._/-]+$")  # the path is part of the image's public URL, unescaped
MAX_IMAGE_BYTES = 200_000  # EMAIL-QUALITY E18: ≤ 200 KB per image (≤ 1 MB per email: a hero and a logo stay far below)


def check_image(checker: Checker, src: str, path: tuple, content_root: Path) -> None:
    """Refuse path traversal, unsupported formats, files that are not the image their name says, and
    images over the size budget (EMAIL-QUALITY S6, E18). Local images live below content/images/."""
    lowered = src.lower()
    if lowered.startswith("https://"):
        if not lowered.split("?")[0].endswith(IMAGE_SUFFIXES):
            checker.problem(path, "the image must be a JPEG, PNG or GIF",
                            "WebP and SVG do not show in all mail clients")
        return
    if "://" in src or lowered.startswith(("data:", "javascript:", "//")):
        checker.problem(path, f"'{src}' is neither a local path nor an https:// address",
                        "use a path below content/ such as images/foto.jpg, or an https:// address")
        return
    if (src.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", src) or "%2e" in lowered or "\\" in src
            or "\0" in src):  # a NUL byte makes Path.resolve() raise ValueError
        checker.problem(path, f"'{src}' is an absolute or encoded path",
                        "write a path relative to content/, e.g. images/foto.jpg")
        return
    root = content_root.resolve()
    target = (root / src).resolve()
    if not target.is_relative_to(root):
        checker.problem(path, f"'{src}' points outside the content folder", "put the image below content/images/")
        return
    if target.is_dir():
        checker.problem(path, f"'{src}' is a folder, not an image file",
                        f"name the picture inside it, e.g. {src.rstrip('/')}/foto.jpg")
        return
    if not target.is_file():
        checker.problem(path, f"the image '{src}' does not exist", "check the spelling; paths are relative to content/")
        return
    if not posixpath.normpath(src).startswith("images/"):  # the build copies it to out/<slug>/<this path>
        checker.problem(path, f"'{src}' is not in the images folder",
                        "move the picture below content/images/ (subfolders are fine) and write images/…")
        return
    if not lowered.endswith(IMAGE_SUFFIXES):
        checker.problem(path, "the image must be a JPEG, PNG or GIF", "WebP and SVG do not show in all mail clients")
        return
    if not IMAGE_PATH_RE.match(src):  # a space, '#', '%' or 'ß' broke the image's address (and the PDF lost it)
        folder, _, name = posixpath.normpath(src).rpartition("/")
        stem, _, suffix = name.rpartition(".")
        checker.problem(path, f"the file name '{name}' becomes part of the image's web address and may hold only "
                              "letters a–z, digits, '-', '_' and '.'",
                        f"rename the file to {folder}/{_safe_name(stem)}.{suffix.lower()} "
                        "and write that here")
        return
    try:
        size = target.stat().st_size
        with target.open("rb") as handle:
            head = handle.read(16)
    except OSError as err:
        checker.problem(path, f"the image '{src}' cannot be read ({err.strerror})", "check the file's permissions")
        return
    declared = IMAGE_FORMATS[lowered.rsplit(".", 1)[1]]
    found = image_format(head)
    if found != declared:
        unusable = found in ("WebP", "SVG")
        checker.problem(path, f"'{src}' is not a {declared} image: " + (
            "the file is empty" if not head else f"its content is {found}" if found
            else "its content is no known image format"),
            "WebP and SVG do not show in all mail clients (E18): save the picture as JPEG or PNG" if unusable else
            f"export the picture again as {declared}, or give the file the extension of its real format")
        return
    if size > MAX_IMAGE_BYTES:
        checker.problem(path, f"'{src}' is {size:,} bytes; an image may have at most {MAX_IMAGE_BYTES:,}",
                        "make the file smaller, e.g. 1200 px wide as JPEG at quality 80 (EMAIL-QUALITY E18: at most "
                        "200 KB per image, so that one email's images stay under 1 MB)")


def image_format(head: bytes) -> str:
    """The format a file's first bytes (magic number) show: JPEG, PNG, GIF, WebP, SVG, or "" if none."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"<svg", b"<?xml")):
        return "SVG"
    return ""


def _safe_name(stem: str) -> str:
    """A file name stem an image's web address can hold, for the rename hint."""
    from pipeline.model import slugify_german  # here: model imports this module

    return slugify_german(stem) or "bild"
