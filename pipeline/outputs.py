"""Renditions → files under out/: one folder per report with manifest.json, plus the preview index.

Everything is written into a temporary sibling folder first and swapped in with renames, so a
failed build leaves the previous out/ intact and readers never see a half-written tree.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pipeline import __version__
from pipeline.errors import OutputError
from pipeline.render.environment import make_environment, templates_fingerprint
from pipeline.render.message import build_message

MANIFEST = "manifest.json"
TEXT_FILES = ("email.html", "email.txt", "email.mjml", "email.eml", "press.html", "press.txt",
              "press-email.html", "press.eml")


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
    newsletter = build_message(subject=rendition.subject, text=rendition.email_text, html=rendition.email_html,
                               settings=settings, language=rendition.language)
    press = build_message(subject=rendition.press_subject, text=rendition.press_text,
                          html=rendition.press_email_html, settings=settings, language=rendition.language)
    files = {
        "email.html": rendition.email_html.encode(),
        "email.txt": rendition.email_text.encode(),
        "email.mjml": rendition.email_mjml.encode(),
        "email.eml": newsletter.as_bytes(),
        "press.html": rendition.press_html.encode(),
        "press.txt": rendition.press_text.encode(),
        "press-email.html": rendition.press_email_html.encode(),
        "press.eml": press.as_bytes(),
    }
    for name, source in sorted(rendition.assets.items()):
        files[name] = Path(source).read_bytes()
    return files


def make_manifest(rendition, report, print_: Fingerprint, files: dict[str, bytes]) -> dict:
    """The manifest: hashes of every file and input, and the revision that names this build."""
    entries = {name: {"sha256": sha256_bytes(data), "bytes": len(data)} for name, data in sorted(files.items())}
    lines = [f"{name}:{entry['sha256']}" for name, entry in entries.items()]
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
        "files": entries,
        "revision": sha256_bytes("\n".join(lines).encode()),
    }


def write_outputs(built: list[tuple[dict, dict[str, bytes]]], out_dir: Path, template_dir: Path) -> list[dict]:
    """Write every report folder and the preview index into a temp dir, then swap it in for out_dir."""
    out_dir = out_dir.resolve()
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    except OSError as err:
        raise OutputError(f"{out_dir}: cannot create the output folder ({err.strerror}) — "
                          "check permissions or choose another folder with --out") from err
    try:
        manifests = []
        for manifest, files in built:
            folder = staging / manifest["slug"]
            for name, data in files.items():
                target = folder / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n",
                                           encoding="utf-8")
            manifests.append(manifest)
        index = make_environment(str(template_dir)).get_template("preview/index.html.j2")
        texts = {m["slug"]: files["email.txt"].decode() for m, files in built}
        (staging / "index.html").write_text(index.render(manifests=manifests, texts=texts), encoding="utf-8")
        _swap(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifests


def _swap(staging: Path, out_dir: Path) -> None:
    """Replace out_dir by staging with two renames; the old tree is removed only after the swap."""
    os.chmod(staging, 0o755)
    if not out_dir.exists():
        os.rename(staging, out_dir)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
    os.rmdir(retired)
    os.rename(out_dir, retired)
    os.rename(staging, out_dir)
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
