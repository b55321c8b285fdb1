"""The unit of work (one report: cached or validated and rendered, then staged) and the process pool.

`build.build` calls `render_all` with a `Job`; everything here serves speed at archive size (issue 6):
a report whose cache key is unchanged comes from the cache (`cache.py`) and is neither validated nor
rendered; its folder in out/ stays when its manifest says it holds what the build would write
(`manifest.existing_in`); many reports to render go to a pool of forked workers, which inherit the
imported renderer and compiled templates (`_warm`).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import cache, outputs
from pipeline.content import load_content, parse_yaml
from pipeline.errors import ContentError, Issue
from pipeline.manifest import (MANIFEST, PDF, Fingerprint, existing_in, files_intact, make_manifest, with_pdf,
                               with_pdf_entry)
from pipeline.model import Report, validate

if TYPE_CHECKING:
    from pipeline.build import Project
    from pipeline.config import Settings

logger = logging.getLogger(__name__)
# Below this many reports to render, forking and warming a pool costs more than it saves (PERF-BASELINE §6).
POOL_MIN_REPORTS = 32


def render_report(report: Report, settings: Settings, project: Project, inputs: cache.Inputs,
                  crop_store: Path | None = None) -> tuple[dict, dict[str, bytes], dict[str, str]]:
    """One report → (manifest, files, assets): the unit of work the cache stores and a process pool takes.

    `assets` maps each file copied from content/ (images) to its source, so the cache can tell when it changed.
    """
    from pipeline import render
    from pipeline.render.environment import template_errors

    _fresh_templates(inputs.templates_sha256)
    with template_errors(project.template_dir):
        rendition = render.render(report, settings, project.template_dir, project.content_dir,
                                  site_url=inputs.site_url, crop_store=crop_store)
    files = render.report_files(rendition, settings)
    print_ = Fingerprint(report.source_sha256, inputs.settings_sha256, inputs.templates_sha256)
    logger.info("rendered %s (%s bytes of email HTML)", report.slug, len(rendition.email_html))
    return make_manifest(rendition, report, print_, files), files, dict(rendition.assets)


@dataclass(frozen=True)
class Job:
    """What every unit of work of one build shares; pool workers inherit it when they are forked."""

    project: Project
    settings: Settings
    inputs: cache.Inputs
    cache: cache.Cache
    staging: Path
    target: Path  # the output folder
    pdf: bool = False  # make press.pdf too
    fresh: bool = False  # trust neither the cache nor out/: render everything, write every file again


@dataclass
class Result:
    """One report's outcome, small enough to cross a process boundary: never its files."""

    slug: str
    manifest: dict | None = None
    report: Report | None = None  # when validated in this build; else `pickled` holds it, from the cache
    pickled: bytes | None = None
    translation: str | None = None
    issues: list[Issue] = field(default_factory=list)
    staged: bool = False  # its folder was written into the staging folder
    rendered: bool = False
    pdf_made: bool = False  # its press PDF was made in this build (not taken from the cache)
    key: str = ""


_JOB: Job | None = None  # set before forking: workers read it instead of receiving it with every task
_TEMPLATES_SHA: str | None = None
# What this process last wrote or found fresh in each report folder: folder → (its manifest.json's inode,
# mtime and size; cache key; manifest; translation link; images read). A warm process (`newsroom
# preview`) rebuilding the same folder then need not read the manifest and the cache entry again while
# that manifest.json is the same file: the files are still checked against it (`files_intact`), so the
# freshness rule is the same as `existing_in`'s. A new process (`newsroom build`) starts empty.
_WROTE: dict[str, tuple] = {}


def _unit(job: Job, display: str, raw: bytes, key: str) -> Result:
    """One report file: cached result or load, validate, render; then stage its folder if out/ lacks it."""
    slug = os.path.splitext(os.path.basename(display))[0]  # not pathlib: ~5 µs a report, 1,000 in a no-op build
    folder = os.path.join(job.target, slug)
    known = None if job.fresh else _WROTE.get(folder)
    if known is not None and known[1] == key and (PDF in known[2]["files"] or not job.pdf) \
            and _same_file(folder, known[0]) and files_intact(folder, known[2]["files"], known[0][1]) \
            and cache.assets_unchanged(known[4]):
        job.cache.used.add(key)
        return Result(slug, known[2], translation=known[3], key=key)
    have = None if job.fresh else existing_in(folder)
    entry = job.cache.lookup(key)
    files = report = None
    if entry is not None:
        manifest = entry.manifest
        if have is None or not have.serves(manifest, job.pdf):
            try:
                files = entry.files()
            except (OSError, ValueError) as err:
                logger.info("cache: %s unreadable (%s); rendering again", display, err)
                job.cache.drop(key)
                entry = None
    if entry is None:
        try:
            report = validate(parse_yaml(raw, display), job.project.content_dir, job.settings.timezone)
        except ContentError as err:
            return Result(slug, issues=err.issues)
        manifest, files, assets = render_report(report, job.settings, job.project, job.inputs,
                                                   crop_store=job.cache.crops)
        read = job.cache.store(key, report, manifest, files, assets)
    else:
        read = entry.assets
    staged = have is None or not have.serves(manifest, job.pdf)
    pdf_made = False
    if staged:
        if job.pdf:
            pdf, pdf_made = _pdf(job, key, manifest, files)
            manifest, files = with_pdf(manifest, files, pdf)
        outputs.write_report(job.staging / slug, manifest, files)
    elif have.pdf is not None:  # the folder stays, and so does the PDF made for this revision
        manifest = with_pdf_entry(manifest, have.pdf)
    if not job.fresh and read is not None:  # renamed into out/ whole: the same inode and mtime there
        _remember(folder, os.path.join(job.staging if staged else job.target, slug, MANIFEST), key, manifest,
                  entry.translation if entry is not None else getattr(report, "translation", None), read)
    if entry is not None:
        return Result(slug, manifest, pickled=entry.pickled_report, translation=entry.translation, staged=staged,
                      pdf_made=pdf_made, key=key)
    return Result(slug, manifest, report, translation=getattr(report, "translation", None), staged=staged,
                  rendered=True, pdf_made=pdf_made, key=key)


def _same_file(folder: str, identity: tuple) -> bool:
    try:
        stat = os.stat(os.path.join(folder, MANIFEST))
    except OSError:
        return False
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size) == identity


def _remember(folder: str, manifest_path: str, key: str, manifest: dict, translation: str | None,
              assets: list[list]) -> None:
    try:
        stat = os.stat(manifest_path)
    except OSError:
        return
    _WROTE[folder] = ((stat.st_ino, stat.st_mtime_ns, stat.st_size), key, manifest, translation, assets)


def _pdf(job: Job, key: str, manifest: dict, files: dict[str, bytes]) -> tuple[bytes, bool]:
    """(the report's press PDF, made now?): from the cache, or made now and cached (same key as the report)."""
    from pipeline.render import press_pdf

    data = job.cache.lookup_pdf(key)
    if data is not None:
        return data, False
    data = press_pdf(manifest, files)
    job.cache.store_pdf(key, data)
    return data, True


def linked_reports(job: Job, results: list[Result]) -> list[Report]:
    """The reports `check_translations` reads: those with a `translation:` link and those they name.

    It skips every report without a link except as a link's target, so the others need not be
    unpickled from the cache (most of a no-op build's time otherwise).
    """
    named = {r.translation for r in results if r.translation}
    return [r.report or _report_of(job, r) for r in results
            if r.manifest is not None and (r.translation or r.slug in named)]


def _report_of(job: Job, result: Result) -> Report:
    """The validated report of a result that did not keep it: from its cache entry, else from its source."""
    pickled = result.pickled
    if pickled is None:
        entry = job.cache.lookup(result.key)
        pickled = entry.pickled_report if entry is not None else None
    if pickled is not None:
        return cache.load_report(pickled)
    source = result.manifest["source"]
    return validate(load_content(job.project.root / source, display=source), job.project.content_dir,
                    job.settings.timezone)


def _pool_unit(display: str, raw: bytes, key: str) -> Result:
    return _unit(_JOB, display, raw, key)


def render_all(job: Job, files: list[Path], workers: int | None = None) -> tuple[list[Result], int]:
    """(every report's result in file order, the number of processes that rendered).

    A process pool renders when enough reports are not cached; `workers` overrides its size.
    """
    global _JOB

    items = []
    shown = Displays(job.project)
    for path in files:
        raw = path.read_bytes()
        display = shown(path)
        items.append((display, raw, cache.report_key(job.inputs, display, raw)))
    work = [item for item in items if not job.cache.has(item[2]) or job.pdf and not job.cache.has_pdf(item[2])]
    if workers is None:
        workers = min(_cpus(), len(work) // (POOL_MIN_REPORTS // 2)) if len(work) >= POOL_MIN_REPORTS else 1
    workers = max(1, min(workers, len(work)))
    if workers > 1:
        import multiprocessing

        _warm(job)
        _JOB = job
        try:
            with multiprocessing.get_context("fork").Pool(workers, initializer=_die_with_parent,
                                                          initargs=(os.getpid(),)) as pool:
                chunk = max(1, min(16, len(work) // (workers * 8)))
                done = dict(zip((item[2] for item in work), pool.starmap(_pool_unit, work, chunksize=chunk)))
        finally:
            _JOB = None
        for key in done:  # the workers stored them; this process must not prune them as unused
            job.cache.used.add(key)
            job.cache.stored += done[key].rendered
        results = [done[key] if key in done else _unit(job, *rest, key) for *rest, key in items]
    else:
        results = [_unit(job, *item) for item in items]
    return results, workers


class Displays:
    """`Project.display` for many files: each folder is resolved once, not every file (≈ 80 µs each)."""

    def __init__(self, project: Project):
        self.project = project
        self.root = project.root.resolve()
        self.folders: dict[Path, str | None] = {}  # folder → its path relative to the root, with "/"

    def __call__(self, path: Path) -> str:
        if os.path.islink(path):  # resolves elsewhere: leave it to the general rule
            return self.project.display(path)
        parent = path.parent
        if parent not in self.folders:
            try:
                self.folders[parent] = str(parent.resolve().relative_to(self.root)) + os.sep
            except ValueError:
                self.folders[parent] = None
        prefix = self.folders[parent]
        return str(path) if prefix is None else (prefix + path.name).removeprefix("." + os.sep)


def _die_with_parent(parent: int) -> None:
    """In a pool worker: be killed when the build process dies, even by SIGKILL (Linux; elsewhere a no-op)."""
    import signal
    import sys

    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # it died before prctl: nobody would kill us
            os._exit(1)


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS and Windows
        return os.cpu_count() or 1


def _warm(job: Job) -> None:
    """Import the renderer and compile every template once, before forking: each worker inherits them."""
    from pipeline.render.environment import make_environment, template_errors

    _fresh_templates(job.inputs.templates_sha256)
    env = make_environment(str(job.project.template_dir))
    with template_errors(job.project.template_dir):
        for name in env.list_templates(filter_func=lambda name: name.endswith(".j2")):
            env.get_template(name)
    if job.pdf:
        import pipeline.pdf  # noqa: F401 - WeasyPrint takes about a second to import; once, not per worker


def _fresh_templates(templates_sha: str) -> None:
    """Drop compiled templates when the template files changed (a preview process lives across edits)."""
    global _TEMPLATES_SHA

    if _TEMPLATES_SHA != templates_sha:
        from pipeline.render.environment import make_environment

        make_environment.cache_clear()
        _TEMPLATES_SHA = templates_sha
