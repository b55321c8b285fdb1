"""Built `out/` → a self-contained preview folder a reviewer opens from a CI artifact.

The folder holds `index.html` (one card per report: sizes, preheader, findings, screenshots, links),
`reports/<slug>/` (the built files and `screenshots/`), `lint.txt`, `lint.json`, `axe.json` and
`summary.md` (the CI job summary). A *public* bundle leaves out every report whose embargo has not
lifted yet (EMAIL-QUALITY C2, P4); the private CI artifact keeps them, because artifacts need
repository access.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import lint as lint_stage
from pipeline.lint import Finding, Severity
from pipeline.lint.document import discover, load
from pipeline.lint.rules.size import MAX_BYTES, projected_bytes
from pipeline.manifest import MANIFEST, PDF, REPORT_FILES

# Build outputs copied into the bundle when present; manifest "files" adds images and anything newer.
OUTPUT_FILES = (*REPORT_FILES, PDF, MANIFEST)


@dataclass
class Bundle:
    """What an export produced: where, which reports, which were withheld, findings and browser captures."""

    dest: Path
    slugs: list[str]
    withheld: int = 0
    findings: list[Finding] = field(default_factory=list)
    captures: dict = field(default_factory=dict)


def embargo_active(manifest: dict, now: dt.datetime) -> bool:
    """True if the manifest names an embargo that has not lifted at `now` (aware datetimes)."""
    value = manifest.get("embargo")
    if not value:
        return False
    lift = dt.datetime.fromisoformat(str(value))
    if lift.tzinfo is None:
        return True  # an embargo without offset cannot be placed in time: withhold it to be safe
    return lift > now


def select_reports(out_dir: Path, *, public: bool, now: dt.datetime | None = None) -> tuple[list[str], int]:
    """(slugs to bundle, number withheld): a public bundle withholds reports under an active embargo."""
    now = now or dt.datetime.now(dt.UTC)
    chosen, withheld = [], 0
    for slug in discover(out_dir):
        manifest = json.loads((out_dir / slug / "manifest.json").read_text(encoding="utf-8"))
        if public and embargo_active(manifest, now):
            withheld += 1
        else:
            chosen.append(slug)
    return chosen, withheld


def export_bundle(out_dir: Path, dest: Path, *, public: bool = False, browser: bool = True,
                  imprint: object | None = None, now: dt.datetime | None = None, chromium=None,
                  node_modules: Path | None = None) -> Bundle:
    """Lint (and, with `browser`, screenshot and axe-check) the built reports and write the bundle to `dest`.

    `chromium` is an already open browser (`browser.open_browser()`); without one, a browser is opened here.
    `node_modules` is where lint's npm tools are (`pipeline.nodetools`).
    """
    slugs, withheld = select_reports(out_dir, public=public, now=now)
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "reports").mkdir(parents=True)
    bundle = Bundle(dest=dest, slugs=slugs, withheld=withheld)
    bundle.findings = lint_stage.lint(out_dir, slugs, imprint=imprint, node_modules=node_modules) if slugs else []
    for slug in slugs:
        copy_outputs(out_dir / slug, dest / "reports" / slug)
    if browser and slugs:
        with contextlib.ExitStack() as stack:
            if chromium is None:
                from pipeline.browser import open_browser

                chromium = stack.enter_context(open_browser())
            capture_all(bundle, out_dir, chromium)
    bundle.findings.sort()
    write_reports(bundle, out_dir)
    return bundle


def capture_all(bundle: Bundle, out_dir: Path, chromium) -> None:
    """Screenshots and axe for every bundled report, into reports/<slug>/screenshots/."""
    from pipeline.browser import capture

    for slug in bundle.slugs:
        result = capture(chromium, out_dir / slug, bundle.dest / "reports" / slug / "screenshots")
        bundle.captures[slug] = result
        bundle.findings.extend(result.findings)


def copy_outputs(source: Path, target: Path) -> None:
    """Copy one report's built files (and the images its manifest lists) into the bundle."""
    manifest = json.loads((source / "manifest.json").read_text(encoding="utf-8"))
    names = set(OUTPUT_FILES) | set(manifest.get("files", {}))
    for name in sorted(names):
        path = (source / name).resolve()
        if path.is_file() and path.is_relative_to(source.resolve()):
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target / name)


def write_reports(bundle: Bundle, out_dir: Path) -> None:
    """lint.txt, lint.json, axe.json, summary.md and index.html."""
    dest = bundle.dest
    lines = [str(finding) for finding in bundle.findings]
    lines.append(lint_stage.summary(bundle.findings, len(bundle.slugs)))
    (dest / "lint.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (dest / "lint.json").write_text(lint_stage.to_json(bundle.findings), encoding="utf-8")
    axe = {slug: [{"page": run.page, "variant": run.variant, "violations": run.violations} for run in cap.axe]
           for slug, cap in bundle.captures.items()}
    (dest / "axe.json").write_text(json.dumps(axe, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    rows = [report_row(bundle, out_dir, slug) for slug in bundle.slugs]
    (dest / "summary.md").write_text(summary_markdown(bundle, rows), encoding="utf-8")
    (dest / "index.html").write_text(index_html(bundle, rows), encoding="utf-8")


def report_row(bundle: Bundle, out_dir: Path, slug: str) -> dict:
    """Key figures of one report for the index and the job summary."""
    built = load(out_dir / slug)
    size, projected = projected_bytes(built)
    mine = [f for f in bundle.findings if f"/{slug}/" in f.path.replace("\\", "/") + "/"]
    capture = bundle.captures.get(slug)
    gating = sum(len(run.gating()) for run in capture.axe if "dark" not in run.variant) if capture else None
    return {
        "slug": slug, "status": built.manifest.get("status", ""), "subject": built.manifest.get("subject", ""),
        "preheader": built.manifest.get("preheader", ""), "embargo": built.manifest.get("embargo"),
        "bytes": size, "projected": projected, "headroom": MAX_BYTES - projected,
        "errors": sum(f.severity is Severity.ERROR for f in mine),
        "warnings": sum(f.severity is Severity.WARNING for f in mine),
        "axe_gating": gating,
        "axe_total": sum(len(run.violations) for run in capture.axe) if capture else None,
        "shots": [shot.name for shot in capture.shots] + ([capture.pdf_page] if capture.pdf_page else [])
        if capture else [],
        "pdf": bool(capture and capture.pdf_page),
    }


def summary_markdown(bundle: Bundle, rows: Sequence[dict]) -> str:
    """The CI job summary: one table row per report, then the errors and warnings (EMAIL-QUALITY C6)."""
    out = ["## Newsroom preview", "",
           ("| report | status | preheader | HTML bytes (headroom to 102 KB) | errors | warnings "
            "| axe serious/critical (light) |"),
           "|---|---|---|---|---|---|---|"]
    for row in rows:
        axe = "not run" if row["axe_gating"] is None else str(row["axe_gating"])
        preheader = row["preheader"] if len(row["preheader"]) <= 60 else row["preheader"][:57] + "..."
        preheader = preheader.replace("|", "\\|")
        out.append(f"| `{row['slug']}` | {row['status']} | {preheader} | {row['bytes']:,} ({row['headroom']:,}) | "
                   f"{row['errors']} | {row['warnings']} | {axe} |")
    if bundle.withheld:
        out += ["", f"{bundle.withheld} report(s) under embargo withheld from this public bundle."]
    out += ["", lint_stage.summary(bundle.findings, len(bundle.slugs)), ""]
    serious = [f for f in bundle.findings if f.severity is not Severity.INFO]
    if serious:
        out += ["<details><summary>errors and warnings</summary>", "", "```text"]
        out += [str(f) for f in serious[:200]] + ["```", "</details>", ""]
    out.append("Download the `preview` artifact and open `index.html` for screenshots and outputs.")
    return "\n".join(out) + "\n"


def index_html(bundle: Bundle, rows: Sequence[dict]) -> str:
    """The bundle's front page: plain HTML, no scripts, relative links only."""
    e = html.escape
    cards = []
    for row in rows:
        base = f"reports/{e(row['slug'])}"
        links = " · ".join(f'<a href="{base}/{name}">{name}</a>' for name in
                           ("email.html", "email.txt", "email.eml", "press.html", "press.txt", "manifest.json")
                           if (bundle.dest / "reports" / row["slug"] / name).is_file())
        shots = "".join(
            f'<figure><a href="{base}/screenshots/{e(name)}"><img src="{base}/screenshots/{e(name)}" '
            f'alt="Screenshot {e(name)}" loading="lazy"></a><figcaption>{e(name)}</figcaption></figure>'
            for name in row["shots"])
        axe = "not run" if row["axe_gating"] is None else f"{row['axe_gating']} serious/critical " \
              f"({row['axe_total']} in all, dark render included)"
        cards.append(f"""<section><h2>{e(row['slug'])}</h2>
<dl><dt>Subject</dt><dd>{e(row['subject'])}</dd><dt>Preheader</dt><dd>{e(row['preheader'])}</dd>
<dt>Status</dt><dd>{e(row['status'])}{' · embargo ' + e(str(row['embargo'])) if row['embargo'] else ''}</dd>
<dt>Email HTML</dt><dd>{row['bytes']:,} bytes; about {row['projected']:,} after the ESP's link rewriting;
{row['headroom']:,} bytes of headroom to Gmail's 102,000</dd>
<dt>Lint</dt><dd>{row['errors']} error(s), {row['warnings']} warning(s)</dd><dt>axe</dt><dd>{axe}</dd>
<dt>PDF</dt><dd>{'page 1 shown below' if row['pdf'] else 'no PDF'}</dd></dl>
<p>{links}</p><div class="shots">{shots}</div></section>""")
    withheld = f"<p>{bundle.withheld} report(s) under embargo are withheld from this public bundle.</p>" \
        if bundle.withheld else ""
    findings = "\n".join(e(str(f)) for f in bundle.findings) or "no findings"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Newsroom preview</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:75rem;padding:1rem;color:#1f2933}}
.shots{{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-start}}figure{{margin:0;width:12rem}}
figure img{{width:100%;border:1px solid #ccd;max-height:30rem;object-fit:cover;object-position:top}}
figcaption{{font-size:.8rem}}dt{{font-weight:bold}}pre{{white-space:pre-wrap;font-size:.85rem}}
a{{color:#0b4f8a}}</style></head>
<body><header><h1>Newsroom preview</h1><p>{e(lint_stage.summary(bundle.findings, len(bundle.slugs)))} ·
<a href="lint.txt">lint.txt</a> · <a href="lint.json">lint.json</a> · <a href="axe.json">axe.json</a></p>
{withheld}</header><main>{''.join(cards)}
<section><h2>All findings</h2><pre>{findings}</pre></section></main></body></html>
"""
