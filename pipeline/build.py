"""The build, readable as one function: gather and validate every report, render all, then write.

`check()` stops after validation; `build()` never talks to a provider. Publishing reads only what
`build()` wrote (STYLE §2.1, "send what was previewed"). For speed at archive size (issue 6), a report
whose inputs are unchanged comes from the cache (`cache.py`), many changed ones are rendered in a
process pool, and out/ folders that already hold a report's revision are left in place.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.config import SETTINGS_FILE, Settings, language_issues, load_settings
from pipeline.content import load_content, parse_yaml
from pipeline.errors import ContentError, Issue, Location, OutputError
from pipeline.model import Report, check_translations, validate
from pipeline.site import RESERVED_SLUGS

if TYPE_CHECKING:  # imported when a build starts: `newsroom check` does not need it
    from pipeline import cache

logger = logging.getLogger(__name__)
REPORTS_DIR = "reports"
# Below this many reports to render, forking and warming a pool costs more than it saves (PERF-BASELINE §6).
POOL_MIN_REPORTS = 32
CROP_STORE = Path(".newsroom") / "cache" / "crops"  # the hero's crops by content (render/crops.py)


@dataclass(frozen=True)
class Project:
    """Where a project's content, templates and outputs live (defaults: the current folder)."""

    root: Path

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def template_dir(self) -> Path:
        return self.root / "templates"

    @property
    def out_dir(self) -> Path:
        return self.root / "out"

    def display(self, path: Path) -> str:
        """A path as the user should see it: relative to the project when possible."""
        try:
            return str(path.resolve().relative_to(self.root.resolve()))
        except ValueError:
            return str(path)


def discover(project: Project, paths: list[Path] | None = None, *, warn: bool = False) -> list[Path]:
    """Report files to process: the given files or folders, or every content/reports/*.yaml.

    In a folder: every file ending in .yaml or .yml (any case), except those starting with '_' (such as
    _template.yaml) and Emacs' lock files (.#report.yaml, a link to nowhere while the report is being
    edited). Reports in subfolders are not read; with `warn`, each one is named in a warning.
    """
    found: list[Path] = []
    for target in paths or [project.content_dir / REPORTS_DIR]:
        if not target.is_dir():
            if target.name != SETTINGS_FILE:
                found.append(target)
            continue
        for entry in sorted(os.scandir(target), key=lambda entry: entry.name):
            if entry.is_dir():
                if warn and not entry.name.startswith("."):
                    for nested in sorted(Path(entry.path).rglob("*")):
                        if _is_yaml(nested.name) and nested.is_file():
                            logger.warning("%s: not built: reports in subfolders are not read — move it into %s/",
                                           project.display(nested), project.display(target))
            elif _is_yaml(entry.name) and not entry.name.startswith(("_", ".#")) and entry.is_file():
                found.append(Path(entry.path))
    return found


def _is_yaml(name: str) -> bool:
    return name.lower().endswith((".yaml", ".yml"))


def load_reports(project: Project, paths: list[Path] | None = None, *,
                 warn: bool = True) -> tuple[Settings, list[Report]]:
    """Settings and every report, validated; one ContentError with all issues of all files."""
    issues: list[Issue] = []
    try:
        settings = load_settings(project.content_dir)
    except ContentError as err:
        issues.extend(err.issues)
        settings = None
    reports: list[Report] = []
    for path in discover(project, paths, warn=warn):
        shown = project.display(path)
        if not path.is_file():
            issues.append(Issue(Location(shown), "", "no such file",
                                "check the path; reports live in content/reports/"))
            continue
        try:
            reports.append(validate(load_content(path, display=shown), project.content_dir,
                                    settings.timezone if settings else None))
        except ContentError as err:
            issues.extend(err.issues)
    seen: dict[str, str] = {}
    for report in reports:
        if report.slug in RESERVED_SLUGS:
            issues.append(Issue(Location(report.source_path), "", f"the file name '{report.slug}' is one the build "
                                "uses for its own output", f"rename the file, e.g. to '{report.slug}-report.yaml' "
                                f"(reserved: {', '.join(sorted(RESERVED_SLUGS))})"))
        if report.slug in seen:
            issues.append(Issue(Location(report.source_path, 1, 1), "", f"the slug '{report.slug}' is also used by "
                                f"{seen[report.slug]}", "rename one of the files"))
        seen[report.slug] = report.source_path
    if settings is not None:
        every = {path.stem for path in discover(project)}
        issues.extend(check_translations(reports, settings.language, every))
        issues.extend(language_issues(settings, [(report.language, report.source_path) for report in reports]))
    if issues:
        raise ContentError(issues)
    return settings, reports


def check(project: Project, paths: list[Path] | None = None) -> list[Report]:
    """Validate settings and reports without rendering; returns the reports."""
    return load_reports(project, paths)[1]


def render_report(report: Report, settings: Settings, project: Project,
                  inputs: cache.Inputs) -> tuple[dict, dict[str, bytes], dict[str, str]]:
    """One report → (manifest, files, assets): the unit of work the cache stores and a process pool takes.

    `assets` maps each file copied from content/ (images) to its source, so the cache can tell when it changed.
    """
    from pipeline import outputs, render
    from pipeline.render.environment import template_errors

    _fresh_templates(inputs.templates_sha256)
    with template_errors(project.template_dir):
        rendition = render.render(report, settings, project.template_dir, project.content_dir,
                                  site_url=inputs.site_url, crop_store=project.root / CROP_STORE)
    files = outputs.report_files(rendition, report, settings)
    print_ = outputs.Fingerprint(report.source_sha256, inputs.settings_sha256, inputs.templates_sha256)
    logger.info("rendered %s (%s bytes of email HTML)", report.slug, len(rendition.email_html))
    return outputs.make_manifest(rendition, report, print_, files), files, dict(rendition.assets)


@dataclass
class BuildStats:
    """What a build did, for the preview's status line and the benchmark."""

    reports: int = 0
    rendered: int = 0  # validated and rendered: not in the cache
    written: int = 0  # report folders written (the others were already in out/ with the same revision)
    pdfs: int = 0  # press PDFs made (with `pdf`; the others came from the cache or stayed in out/)
    workers: int = 1
    public: int = 0  # reports on the archive site (out/site), those of a partial build's other folders too
    seconds: dict[str, float] = field(default_factory=dict)  # wall time per step of build()

    @contextlib.contextmanager
    def step(self, name: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started


def build(project: Project, paths: list[Path] | None = None, out_dir: Path | None = None,
          site_url: str | None = None, now: dt.datetime | None = None, *, use_cache: bool = True, fresh: bool = False,
          pdf: bool = False, pdf_on_request: bool = False, stats: BuildStats | None = None,
          workers: int | None = None) -> list[dict]:
    """Validate, render and write every report (or those in `paths`); returns their manifests.

    1. load and validate settings; fingerprint settings, templates and generator (the cache key's shared part);
    2. each report: take it from the cache if nothing it depends on changed, else load, validate and render it
       (in a process pool when there are many); stage its folder unless out/ has that revision already;
    3. all problems of all files at once, and nothing in out/ changed, if any report is invalid;
    4. make the public archive site (out/site/) of what is ready and past its embargo at `now`, unless
       out/site is the one made for the same published reports and inputs (`site.fingerprint`);
    5. move the staged folders, index and site into out/; unchanged report folders stay where they are.
    `now` defaults to the real clock; tests and `--now` pass their own (aware) instant. `pdf` adds each
    press page as PDF (about 200 ms each, cached like the rest): the archive site links them, so the
    Pages workflow asks for them; a preview or a check of a pull request need not wait for them.
    `pdf_on_request` tells the index that a server makes PDFs when asked (`newsroom preview`).
    `fresh` (`build --no-cache`) trusts neither the cache nor out/: every report is rendered again, its
    cache entry replaced, and every file of out/ written anew. `use_cache=False` is the same without
    writing the cache (tests that build the repository's own content). `workers`: processes that render
    (default: one per CPU when at least POOL_MIN_REPORTS reports need rendering, else this one).
    """
    from pipeline import cache, outputs

    stats = stats if stats is not None else BuildStats()
    with stats.step("settings"):
        files = discover(project, paths, warn=True)
        settings = _settings_or_none(project)
        slugs = [path.stem for path in files]
        named = paths is not None and not all(path.is_file() for path in files)  # discovered files exist
        if settings is None or named or len(set(slugs)) < len(slugs) or RESERVED_SLUGS.intersection(slugs):
            load_reports(project, paths, warn=False)  # raises with every problem of settings and reports
        inputs = cache.Inputs(outputs.sha256_bytes((project.content_dir / SETTINGS_FILE).read_bytes()),
                              cache.templates_fingerprint(project.template_dir), site_url)
        target = (out_dir or project.out_dir).resolve()
        store = cache.Cache(project.root / cache.CACHE_DIR, enabled=use_cache, read=not fresh)
    with outputs.exclusive(target):  # one build at a time per output folder; it cleans what a killed one left
        job = _Job(project, settings, inputs, store, outputs.open_staging(target), target, pdf, fresh or not use_cache)
        try:
            with stats.step("reports"):
                results = _run_all(job, files, stats, workers)
                issues = [issue for result in results for issue in result.issues]
                issues += check_translations(_linked_reports(job, results), settings.language,
                                             set(slugs) if paths is None else {path.stem for path in discover(project)})
                # every report's language, cached ones too (from its manifest): the settings lack no text for it
                issues += language_issues(settings, [(r.manifest["language"], r.manifest["source"])
                                                     for r in results if r.manifest is not None])
            if issues:
                raise ContentError(issues)
            built = [(r.manifest, outputs.FolderFiles((job.staging if r.staged else target) / r.slug,
                                                      r.manifest["files"])) for r in results]
            if paths is not None:  # a partial build: every other report in out/ stays, and stays on the site
                built += _other_reports(target, {r.slug for r in results})
            with stats.step("site"):
                site_files = _site(job, built, now or clock(), site_url, target, stats)
            with stats.step("write"):
                if site_files is not None:
                    job.cache.remember_site(target, None)  # until the new site is in place
                outputs.write_outputs(built, target, project.template_dir, staging=job.staging,
                                      staged=frozenset(r.slug for r in results if r.staged),
                                      pdf_on_request=pdf_on_request, replace_site=job.fresh,
                                      site=None if site_files is None else site_files[:2])
        except BaseException:
            shutil.rmtree(job.staging, ignore_errors=True)
            raise
        if site_files is not None:
            job.cache.remember_site(target, site_files[2])
    job.cache.prune()
    logger.info("built %d report(s): %d rendered, %d folder(s) written, %d worker(s)",
                stats.reports, stats.rendered, stats.written, stats.workers)
    return [r.manifest for r in results]


def clock() -> dt.datetime:
    """The one place the build reads the real clock; `build(now=…)` and `--now` pass their own instant."""
    return dt.datetime.now(dt.timezone.utc)


def _other_reports(target: Path, named: set[str]) -> list[tuple[dict, Mapping[str, bytes]]]:
    """(manifest, files) of every report folder in out/ that a partial build does not name."""
    from pipeline import outputs

    found = []
    for slug in sorted(set(outputs.report_folders(target)) - named):
        try:
            manifest = outputs.read_manifest(target, slug)
        except OutputError:
            continue  # not a report folder of ours (no readable manifest): a full build removes it
        found.append((manifest, outputs.FolderFiles(target / slug, manifest["files"])))
    return found


def _settings_or_none(project: Project) -> Settings | None:
    try:
        return load_settings(project.content_dir)
    except ContentError:
        return None


def _site(job: _Job, built, now: dt.datetime, site_url: str | None, target: Path, stats: BuildStats):
    """(files, every path, stamp) of the archive site at `now`, or None when out/site is already that.

    Unchanged site: nothing is made or read. Otherwise only the pages of reports whose revision changed
    are made; the index, feed and sitemap always (they list every report).
    """
    from pipeline import site

    state = site.published_state([manifest for manifest, _ in built], now)
    stats.public = len(state)
    key = site.fingerprint(state, job.inputs.digest, now)
    stamp = None if job.fresh else job.cache.site_stamp(target)
    if stamp is not None and stamp.get("key") == key:
        return None
    same_inputs = stamp is not None and stamp.get("inputs") == job.inputs.digest.hex()
    unchanged = frozenset(slug for slug, entry in state.items()
                          if same_inputs and stamp.get("entries", {}).get(slug) == entry)
    files = site.build_site(built, job.settings, job.project.template_dir, now, site_url, unchanged)
    paths = set(files) | {path for manifest, _ in built if manifest["slug"] in state
                          for path in site.entry_sources(manifest)}
    return files, paths, {"key": key, "inputs": job.inputs.digest.hex(), "entries": state}


# --- performance internals: the unit of work, the cache and the process pool ---


@dataclass(frozen=True)
class _Job:
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
class _Result:
    """One report's outcome, small enough to cross a process boundary: never its files."""

    slug: str
    manifest: dict | None = None
    report: Report | None = None  # when validated in this build; else `pickled` holds it, from the cache
    pickled: bytes | None = None
    translation: str | None = None
    issues: list[Issue] = field(default_factory=list)
    staged: bool = False  # its folder was written into the staging folder
    rendered: bool = False
    pdf_made: bool = False  # its press PDF was made in this build, not taken from the cache
    key: str = ""


_JOB: _Job | None = None  # set before forking: workers read it instead of receiving it with every task
_TEMPLATES_SHA: str | None = None


def _unit(job: _Job, display: str, raw: bytes, key: str) -> _Result:
    """One report file: cached result or load, validate, render; then stage its folder if out/ lacks it."""
    from pipeline import outputs

    slug = Path(display).stem
    have = None if job.fresh else outputs.existing_in(os.path.join(job.target, slug))
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
            return _Result(slug, issues=err.issues)
        manifest, files, assets = render_report(report, job.settings, job.project, job.inputs)
        job.cache.store(key, report, manifest, files, assets)
    staged = have is None or not have.serves(manifest, job.pdf)
    pdf_made = False
    if staged:
        if job.pdf:
            pdf, pdf_made = _pdf(job, key, manifest, files)
            manifest, files = outputs.with_pdf(manifest, files, pdf)
        outputs.write_report(job.staging / slug, manifest, files)
    elif have.pdf is not None:  # the folder stays, and so does the PDF made for this revision
        manifest = outputs.with_pdf_entry(manifest, have.pdf)
    if entry is not None:
        return _Result(slug, manifest, pickled=entry.pickled_report, translation=entry.translation, staged=staged,
                       pdf_made=pdf_made, key=key)
    return _Result(slug, manifest, report, translation=getattr(report, "translation", None), staged=staged,
                   rendered=True, pdf_made=pdf_made, key=key)


def _pdf(job: _Job, key: str, manifest: dict, files: dict[str, bytes]) -> tuple[bytes, bool]:
    """The report's press PDF from the cache, or made now and cached (same key as the report); True if made."""
    from pipeline import outputs

    data = job.cache.lookup_pdf(key)
    if data is not None:
        return data, False
    data = outputs.press_pdf(manifest, files)
    job.cache.store_pdf(key, data)
    return data, True


def _linked_reports(job: _Job, results: list[_Result]) -> list[Report]:
    """The reports `check_translations` reads: those with a `translation:` link and those they name.

    It skips every report without a link except as a link's target, so the others need not be
    unpickled from the cache (most of a no-op build's time otherwise).
    """
    named = {r.translation for r in results if r.translation}
    return [r.report or _report_of(job, r) for r in results
            if r.manifest is not None and (r.translation or r.slug in named)]


def _report_of(job: _Job, result: _Result) -> Report:
    """The validated report of a result that did not keep it: from its cache entry, else from its source."""
    from pipeline.cache import load_report

    pickled = result.pickled
    if pickled is None:
        entry = job.cache.lookup(result.key)
        pickled = entry.pickled_report if entry is not None else None
    if pickled is not None:
        return load_report(pickled)
    source = result.manifest["source"]
    return validate(load_content(job.project.root / source, display=source), job.project.content_dir,
                    job.settings.timezone)


def _pool_unit(display: str, raw: bytes, key: str) -> _Result:
    return _unit(_JOB, display, raw, key)


def _run_all(job: _Job, files: list[Path], stats: BuildStats, workers: int | None) -> list[_Result]:
    """Every report's result, in file order; a process pool renders when enough reports are not cached."""
    global _JOB

    from pipeline.cache import report_key

    items = []
    shown = _Displays(job.project)
    for path in files:
        raw = path.read_bytes()
        display = shown(path)
        items.append((display, raw, report_key(job.inputs, display, raw)))
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
                made = pool.starmap(_pool_unit, work, chunksize=chunk)
                done = dict(zip((item[2] for item in work), made, strict=True))
        finally:
            _JOB = None
        for key in done:  # the workers stored them; this process must not prune them as unused
            job.cache.used.add(key)
            job.cache.stored += done[key].rendered
        results = [done[key] if key in done else _unit(job, *rest, key) for *rest, key in items]
    else:
        results = [_unit(job, *item) for item in items]
    stats.reports, stats.workers = len(results), workers
    stats.rendered = sum(r.rendered for r in results)
    stats.written = sum(r.staged for r in results)
    stats.pdfs = sum(r.pdf_made for r in results)
    return results


class _Displays:
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


def _warm(job: _Job) -> None:
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
