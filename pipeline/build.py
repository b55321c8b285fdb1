"""The build, readable as one function: gather and validate every report, render all, then write.

`check()` stops after validation; `build()` never talks to a provider. Publishing reads only what
`build()` wrote (STYLE §2.1, "send what was previewed"). For speed at archive size (issue 6), a report
whose inputs are unchanged comes from the cache, many changed ones are rendered in a process pool
(both in `pool.py`), and out/ folders that hold what their manifest says are left in place
(`manifest.existing_in`).
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
from pipeline.content import load_content
from pipeline.errors import ContentError, Issue, Location, OutputError
from pipeline.manifest import sha256_bytes, templates_fingerprint
from pipeline.model import Report, check_translations, validate
from pipeline.site import RESERVED_SLUGS

if TYPE_CHECKING:
    from pipeline import pool

logger = logging.getLogger(__name__)
REPORTS_DIR = "reports"


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


@dataclass
class BuildStats:
    """What a build did, for the preview's status line and the benchmark."""

    reports: int = 0
    rendered: int = 0  # validated and rendered: not in the cache
    written: int = 0  # report folders written (the others were already in out/ with the same revision)
    pdfs: int = 0  # press PDFs made (with `pdf`; the others came from the cache or stayed in out/)
    workers: int = 1
    public: int = 0  # reports on the archive site (out/site), those of a partial build's other folders too
    site_files: int = 0  # files of out/site made (0: the site was already what this build would make)
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
       then hold the output folder's lock (`outputs.exclusive`) until the end;
    2. each report: take it from the cache if nothing it depends on changed, else load, validate and render it
       (in a process pool when there are many); stage its folder unless out/ holds it already;
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
    from pipeline import cache, outputs, pool  # imported when a build starts: `newsroom check` needs none

    stats = stats if stats is not None else BuildStats()
    with stats.step("settings"):
        files = discover(project, paths, warn=True)
        settings = _settings_or_none(project)
        slugs = [path.stem for path in files]
        named = paths is not None and not all(path.is_file() for path in files)  # discovered files exist
        if settings is None or named or len(set(slugs)) < len(slugs) or RESERVED_SLUGS.intersection(slugs):
            load_reports(project, paths, warn=False)  # raises with every problem of settings and reports
        inputs = cache.Inputs(sha256_bytes((project.content_dir / SETTINGS_FILE).read_bytes()),
                              templates_fingerprint(project.template_dir), site_url)
        target = (out_dir or project.out_dir).resolve()
        store = cache.Cache(project.root / cache.CACHE_DIR, enabled=use_cache, read=not fresh)
    with outputs.exclusive(target):  # one build at a time per output folder; it cleans what a killed one left
        job = pool.Job(project, settings, inputs, store, outputs.open_staging(target), target, pdf,
                       fresh=fresh or not use_cache)
        try:
            with stats.step("reports"):
                results, stats.workers = pool.render_all(job, files, workers)
                stats.reports, stats.rendered = len(results), sum(r.rendered for r in results)
                stats.written, stats.pdfs = sum(r.staged for r in results), sum(r.pdf_made for r in results)
                issues = [issue for result in results for issue in result.issues]
                issues += check_translations(pool.linked_reports(job, results), settings.language,
                                             set(slugs) if paths is None else {path.stem for path in discover(project)})
                # every report's language, cached ones too (from its manifest): the settings lack no text for it
                issues += language_issues(settings, [(r.manifest["language"], r.manifest["source"])
                                                     for r in results if r.manifest is not None])
            if issues:
                raise ContentError(issues)
            built = [(r.manifest, outputs.FolderFiles(os.path.join(job.staging if r.staged else target, r.slug),
                                                      r.manifest["files"])) for r in results]
            if paths is not None:  # a partial build: every other report in out/ stays, and stays on the site
                built += _other_reports(target, {r.slug for r in results})
            with stats.step("site"):
                site_update = _site(job, built, now or clock(), site_url, target, stats)
            with stats.step("write"):
                if site_update is not None:
                    job.cache.remember_site(target, None)  # until the new site is in place
                outputs.write_outputs(built, target, project.template_dir, staging=job.staging,
                                      staged=frozenset(r.slug for r in results if r.staged),
                                      pdf_on_request=pdf_on_request, replace_site=job.fresh,
                                      site=None if site_update is None else site_update[:2])
        except BaseException:
            shutil.rmtree(job.staging, ignore_errors=True)
            raise
        if site_update is not None:
            job.cache.remember_site(target, site_update[2], site_update[1])
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
    from pipeline.manifest import read_manifest

    found = []
    for slug in sorted(set(outputs.report_folders(target)) - named):
        try:
            manifest = read_manifest(target, slug)
        except OutputError:
            continue  # not a report folder of ours (no readable manifest): a full build removes it
        found.append((manifest, outputs.FolderFiles(target / slug, manifest["files"])))
    return found


def _settings_or_none(project: Project) -> Settings | None:
    try:
        return load_settings(project.content_dir)
    except ContentError:
        return None


def _site(job: pool.Job, built, now: dt.datetime, site_url: str | None, target: Path, stats: BuildStats):
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
    stats.site_files = len(files)
    paths = set(files) | {path for manifest, _ in built if manifest["slug"] in state
                          for path in site.entry_sources(manifest)}
    return files, paths, {"key": key, "inputs": job.inputs.digest.hex(), "entries": state}
