"""The commands that make and check the outputs: check, build, preview, schema, cms, lint, bundle."""

from __future__ import annotations

import os
from pathlib import Path

import click

from pipeline.cli.app import _, _parse_now, _State, cli
from pipeline.errors import PipelineError

LIST_REPORTS_UP_TO = 20  # a line per report up to here; an archive of thousands gets the summary line only


def _size(number: int) -> str:
    from babel.numbers import format_decimal

    return format_decimal(number, locale=os.environ.get("NEWSROOM_LANGUAGE", "en"))


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.pass_obj
def check(state: _State, paths: tuple[Path, ...]) -> None:
    """Validate content/newsroom.yaml and the reports (default: all of content/reports/)."""
    from pipeline.build import check as check_reports

    reports = check_reports(state.project, list(paths) or None)
    click.echo(_("ok: {count} report(s) valid").format(count=len(reports)))


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: out/).")
@click.option("--site-url", default=None, help="Public address to use instead of site_url (e.g. for a staging site).")
@click.option("--now", default=None, callback=_parse_now, hidden=True,
              help="Build the public site as of this instant (ISO with offset) instead of the clock.")
@click.option("--strict", is_flag=True, help="Then run `newsroom lint --strict` on what was built (CI).")
@click.option("--pdf", is_flag=True, help="Also make each press release as PDF (about 0.2 s each, cached; "
              "the archive site links them, so publish with it).")
@click.option("--no-cache", "no_cache", is_flag=True, help="Trust neither the cache nor out/: render every "
              "report again and rewrite every file (when in doubt, or after editing out/ by hand).")
@click.pass_obj
def build(state: _State, paths: tuple[Path, ...], out_dir: Path | None, site_url: str | None, now,
          strict: bool, pdf: bool, no_cache: bool) -> None:
    """Render every report into out/<slug>/ and the public archive site into out/site/."""
    from pipeline.build import BuildStats, clock
    from pipeline.build import build as build_reports
    from pipeline.manifest import PDF
    from pipeline.site import is_published

    if pdf:
        from pipeline.extras import require

        require("pdf", "newsroom build --pdf")  # before any work, not after the reports are rendered
    now = now or clock()
    stats = BuildStats()
    manifests = build_reports(state.project, list(paths) or None, out_dir, site_url, now=now, pdf=pdf, stats=stats,
                              fresh=no_cache)
    target = out_dir or state.project.out_dir
    if len(manifests) <= LIST_REPORTS_UP_TO:
        for manifest in manifests:
            size = _size(manifest["files"]["email.html"]["bytes"])
            click.echo(_("built {slug} ({status}, email {size} bytes)").format(size=size, **manifest))
    # what was done: rendered afresh, PDFs made, report folders (re)written, and left as they were
    summary = (_("{count} report(s): {rendered} rendered, {pdfs} PDF(s) made, {written} written, {unchanged} "
                 "unchanged, {seconds:.2f} s") if pdf else
               _("{count} report(s): {rendered} rendered, {written} written, {unchanged} unchanged, {seconds:.2f} s"))
    click.echo(summary.format(count=len(manifests), rendered=stats.rendered, pdfs=stats.pdfs, written=stats.written,
                              unchanged=len(manifests) - stats.written, seconds=sum(stats.seconds.values())))
    public = [manifest for manifest in manifests if is_published(manifest, now)]
    click.echo(_("site: {count} report(s) public in {path}").format(count=stats.public, path=target / "site"))
    missing = sum(PDF not in manifest["files"] for manifest in public)
    if missing:
        click.echo(_("site: {count} press release(s) without PDF; `newsroom build --pdf` makes them "
                     "(the Pages workflow does)").format(count=missing))
    click.echo(_("open {path}").format(path=target / "index.html"))
    if strict:  # quality gates, see the quality commands below
        _lint_built(state, target, [manifest["slug"] for manifest in manifests])


@cli.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port on 127.0.0.1 (0 picks a free one).")
@click.option("--once", is_flag=True, help="Build the preview and exit without serving (for scripts).")
@click.pass_obj
def preview(state: _State, port: int, once: bool) -> None:
    """Serve a live preview on 127.0.0.1 and rebuild when content or templates change."""
    import signal

    from pipeline.preview import serve

    def stop(signum, frame):
        raise KeyboardInterrupt  # SIGTERM stops the preview the way Ctrl-C does

    signal.signal(signal.SIGTERM, stop)
    lines = serve(state.project, port=port, once=once)
    try:
        for line in lines:
            click.echo(line)
    finally:
        lines.close()  # removes the preview's temp folder, on Ctrl-C and SIGTERM too


@cli.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("schema"),
              show_default=True, help="Folder for report.schema.json and newsroom.schema.json.")
def schema(out_dir: Path) -> None:
    """Write the JSON Schemas of reports and settings (for editor autocompletion)."""
    from pipeline.editor_schema import write_schemas

    for path in write_schemas(out_dir):
        click.echo(f"wrote {path}")


@cli.command()
@click.option("--local", is_flag=True, help="Run the editor on this computer: decap-server over the project's files "
              "and the preview serving /admin/ (no GitHub account needed).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="With --local: the preview's port on 127.0.0.1 (0 picks a free one).")
@click.option("--proxy-port", type=click.IntRange(0, 65535), default=8081, show_default=True,
              help="With --local: decap-server's port on 127.0.0.1 (0 picks a free one).")
@click.option("--repo", help="The GitHub repository (owner/name) the editor commits to; kept once written.")
@click.option("--branch", help="The branch pull requests go to (default: the one in admin/config.yml, or main).")
@click.option("--auth-url", help="The https:// address of the OAuth proxy that logs editors in to GitHub.")
@click.pass_obj
def cms(state: _State, local: bool, port: int, proxy_port: int, repo: str | None, branch: str | None,
        auth_url: str | None) -> None:
    """Write the browser editor (admin/index.html, admin/config.yml) from the field rules; --local runs it."""
    from pipeline import cms as editor
    from pipeline.config import load_settings

    settings = load_settings(state.project.content_dir)
    for path in editor.write_admin(state.root, settings.timezone,
                                   editor.backend_from_options(state.root, repo, branch, auth_url)):
        click.echo(f"wrote {state.project.display(path)}")
    if local:
        import signal

        signal.signal(signal.SIGTERM, signal.default_int_handler)  # SIGTERM stops it the way Ctrl-C does
        lines = editor.run_local(state.project, port, proxy_port, dict(os.environ))
        try:
            for line in lines:
                click.echo(line)
        finally:
            lines.close()


# --- quality commands (lint, bundle → pipeline/lint/, pipeline/bundle.py, pipeline/browser.py) ---


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, help="Fail on warnings too, not only on errors (CI uses this).")
@click.option("--info", "show_info", is_flag=True, help="Also print informational findings.")
@click.pass_obj
def lint(state: _State, paths: tuple[Path, ...], strict: bool, show_info: bool) -> None:
    """Check built outputs: PATH is out/ or out/<slug>/ (default: every report in out/)."""
    from pipeline.lint import lint as run_lint

    from pipeline.manifest import MANIFEST

    groups = [(p.parent, [p.name]) if (p / MANIFEST).is_file() else (p, None) for p in paths]
    findings, reports = [], 0
    for out_dir, slugs in groups or [(state.project.out_dir, None)]:
        from pipeline.lint.document import discover

        reports += len(slugs or discover(out_dir))
        findings += run_lint(out_dir, slugs, imprint=_imprint(state), node_modules=_node_modules(state),
                             spam_score=True)
    if not reports:
        raise PipelineError("no built reports to check — run `newsroom build` first, or name out/<slug>/")
    _gate(findings, reports, strict, show_info)


@cli.command()
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@click.option("--out", "out_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Built output folder to bundle (default: out/).")
@click.option("--public", is_flag=True, help="Leave out reports under embargo (for a public preview site).")
@click.option("--no-browser", is_flag=True, help="Skip screenshots and axe (lint only).")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.pass_obj
def bundle(state: _State, dest: Path, out_dir: Path | None, public: bool, no_browser: bool, strict: bool) -> None:
    """Write a self-contained preview folder (outputs, screenshots, lint and axe reports) to DEST."""
    from pipeline.bundle import export_bundle

    if not no_browser:
        from pipeline.extras import require

        require("browser", "newsroom bundle (screenshots and axe; --no-browser leaves them out)")
    result = export_bundle(out_dir or state.project.out_dir, dest, public=public, browser=not no_browser,
                           imprint=_imprint(state), node_modules=_node_modules(state))
    click.echo(f"wrote {dest / 'index.html'} ({len(result.slugs)} report(s), {result.withheld} withheld)")
    _gate(result.findings, len(result.slugs), strict, show_info=False)


def _lint_built(state: _State, out_dir: Path, slugs: list[str]) -> None:
    """`build --strict`: lint what was just built; warnings fail too."""
    from pipeline.lint import lint as run_lint

    _gate(run_lint(out_dir, slugs, imprint=_imprint(state), node_modules=_node_modules(state)), len(slugs),
          strict=True, show_info=False)


def _node_modules(state: _State) -> Path:
    """Where lint's npm tools are: $NEWSROOM_NODE_MODULES, else the project's or the checkout's node_modules."""
    from pipeline.nodetools import node_modules

    return node_modules(state.root, os.environ)


def _imprint(state: _State):
    """The configured Impressum, so D5 can check every value; None if the settings cannot be read."""
    from pipeline.config import load_settings

    try:
        return load_settings(state.project.content_dir).imprint
    except PipelineError:
        return None


def _gate(findings: list, reports: int, strict: bool, show_info: bool) -> None:
    """Print findings one per line and the summary; raise (exit 1) if an error (or, strict, a warning) fired."""
    from pipeline.lint import Severity, failed, summary

    for finding in findings:
        if show_info or finding.severity is not Severity.INFO:
            click.echo(str(finding))
    click.echo(summary(findings, reports))
    if failed(findings, strict=strict):
        raise PipelineError("quality gates failed" + (" (warnings count under --strict)" if strict else ""))


# --- end of quality commands ---


# --- publish commands (send, status, reconcile → pipeline/publish.py) ---


