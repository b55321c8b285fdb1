"""The build, readable as one function: gather and validate every report, render all, then write.

`check()` stops after validation; `build()` never talks to a provider. Publishing reads only what
`build()` wrote (STYLE §2.1, "send what was previewed").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import SETTINGS_FILE, Settings, load_settings
from pipeline.content import load_content
from pipeline.errors import ContentError, Issue, Location
from pipeline.model import Report, validate

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


def discover(project: Project, paths: list[Path] | None = None) -> list[Path]:
    """Report files to process: the given files or folders, or every content/reports/*.yaml.

    Files whose name starts with '_' (such as _template.yaml) are skipped when scanning folders.
    """
    targets = paths or [project.content_dir / REPORTS_DIR]
    found: list[Path] = []
    for target in targets:
        if target.is_dir():
            found.extend(p for p in sorted(target.glob("*.y*ml")) if not p.name.startswith("_"))
        elif target.name == SETTINGS_FILE:
            continue
        else:
            found.append(target)
    return found


def load_reports(project: Project, paths: list[Path] | None = None) -> tuple[Settings, list[Report]]:
    """Settings and every report, validated; one ContentError with all issues of all files."""
    issues: list[Issue] = []
    try:
        settings = load_settings(project.content_dir)
    except ContentError as err:
        issues.extend(err.issues)
        settings = None
    reports: list[Report] = []
    for path in discover(project, paths):
        shown = project.display(path)
        if not path.is_file():
            issues.append(Issue(Location(shown), "", "no such file", "check the path; reports live in content/reports/"))
            continue
        try:
            reports.append(validate(load_content(path, display=shown), project.content_dir))
        except ContentError as err:
            issues.extend(err.issues)
    seen: dict[str, str] = {}
    for report in reports:
        if report.slug in seen:
            issues.append(Issue(Location(report.source_path, 1, 1), "", f"the slug '{report.slug}' is also used by "
                                f"{seen[report.slug]}", "rename one of the files"))
        seen[report.slug] = report.source_path
    if issues:
        raise ContentError(issues)
    return settings, reports


def check(project: Project, paths: list[Path] | None = None) -> list[Report]:
    """Validate settings and reports without rendering; returns the reports."""
    return load_reports(project, paths)[1]


def render_report(report: Report, settings: Settings, project: Project, settings_sha: str, templates_sha: str,
                  site_url: str | None = None) -> tuple[dict, dict[str, bytes]]:
    """One report → (manifest, files): the unit of work a cache or a process pool can take."""
    from pipeline import outputs, render

    rendition = render.render(report, settings, project.template_dir, project.content_dir, site_url=site_url)
    files = outputs.report_files(rendition, report, settings)
    print_ = outputs.Fingerprint(report.source_sha256, settings_sha, templates_sha)
    logger.info("rendered %s (%s bytes of email HTML)", report.slug, len(rendition.email_html))
    return outputs.make_manifest(rendition, report, print_, files), files


def build(project: Project, paths: list[Path] | None = None, out_dir: Path | None = None,
          site_url: str | None = None) -> list[dict]:
    """Validate, render and write every report; returns the manifests written.

    1. load and validate settings and every report (all problems at once, nothing written);
    2. render each report into its files and manifest;
    3. write everything into a temp folder and swap it in for out/.
    """
    from pipeline import outputs
    from pipeline.render.environment import templates_fingerprint

    settings, reports = load_reports(project, paths)
    settings_sha = outputs.sha256_bytes((project.content_dir / SETTINGS_FILE).read_bytes())
    templates_sha = templates_fingerprint(project.template_dir)
    built = [render_report(report, settings, project, settings_sha, templates_sha, site_url) for report in reports]
    return outputs.write_outputs(built, out_dir or project.out_dir, project.template_dir)
