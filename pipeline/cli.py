"""The `newsroom` command: parses arguments, calls one core function per command, prints, exits.

This is the only module that imports Click, reads `os.environ`, prints or sets the exit code.
Heavy modules (Jinja2, MRML, css-inline, requests) are imported inside the commands, so
`newsroom --help` starts fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from pipeline import __version__
from pipeline.errors import ContentError, ExitCode, PipelineError
from pipeline.headers import MAX_TEST_RECIPIENTS

LAST_ERROR = Path(".newsroom") / "last-error.txt"


def _(msgid: str) -> str:
    """A CLI message in the language NEWSROOM_LANGUAGE names (de or en; English by default)."""
    from pipeline.render.i18n import translator

    return translator(os.environ.get("NEWSROOM_LANGUAGE", "en"))(msgid)


LIST_REPORTS_UP_TO = 20  # a line per report up to here; an archive of thousands gets the summary line only


def _size(number: int) -> str:
    from babel.numbers import format_decimal

    return format_decimal(number, locale=os.environ.get("NEWSROOM_LANGUAGE", "en"))


def _parse_now(ctx, param, value: str | None):
    """--now: an ISO date and time with offset, for previews and tests of embargoes."""
    import datetime as dt

    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise click.BadParameter(_("write a date and time with offset, e.g. 2026-12-01T10:00:00+01:00"))
    return moment


def _test_recipients(ctx, param, value: tuple[str, ...]) -> tuple[str, ...]:
    """--test-to: addresses with optional names, at most MAX_TEST_RECIPIENTS (pipeline/headers.py), else exit 2."""
    from pipeline.headers import recipients_problem

    problem = recipients_problem(value)
    if problem:
        raise click.BadParameter(problem)
    return value


class _State:
    """Options shared by every command; `main` keeps it to place and show an internal error's details."""

    def __init__(self, root: Path = Path("."), debug: bool = False):
        self.root = root
        self.debug = debug

    @property
    def project(self):
        from pipeline.build import Project

        return Project(self.root)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="newsroom")
@click.option("--project", "root", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Project folder holding content/ and templates/.")
@click.option("-v", "--verbose", is_flag=True, help="Log each step.")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
@click.pass_context
def cli(ctx: click.Context, root: Path, verbose: bool, debug: bool) -> None:
    """Newsroom: YAML event reports → newsletter email, press release, provider sends."""
    import logging  # here, not at the top: `newsroom --help` never needs it

    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if not isinstance(ctx.obj, _State):
        ctx.obj = _State()
    ctx.obj.root, ctx.obj.debug = root, debug


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


def _not_blank(ctx, param, value: str | None) -> str | None:
    """--at "" or "  " is a mistake (a variable that was not set), never "send now"."""
    if value is not None and not value.strip():
        raise click.BadParameter("empty — give a date and time like 2026-12-01T09:00+01:00, or leave --at out "
                                 "to send now")
    return value


@cli.command()
@click.argument("report")
@click.option("--channel", type=click.Choice(["newsletter", "press"]), default="newsletter", show_default=True,
              help="newsletter: the email to the target's list; press: the press release to its press_list.")
@click.option("--target", default="test", show_default=True, help="A target from content/newsroom.yaml.")
@click.option("--test-to", multiple=True, metavar="EMAIL", callback=_test_recipients,
              help=f"Send a test to this address only (repeatable, at most {MAX_TEST_RECIPIENTS}; one address "
                   "each, like name@example.org or \"Erika Mustermann <erika@example.org>\": the outbox greets "
                   "the first by name).")
@click.option("--at", default=None, metavar="DATETIME", callback=_not_blank,
              help="Schedule instead of sending now: 2026-12-01T09:00+01:00.")
@click.option("--dry-run", is_flag=True, help="Print every request a send would make; no network call.")
@click.option("--yes", is_flag=True, help="Send to the list without asking (for CI).")
@click.option("--force-list-health", is_flag=True, help="Send although the last campaign to this list had too many "
              "hard bounces or spam complaints (see `newsroom report`).")
@click.pass_obj
def send(state: _State, report: str, channel: str, target: str, test_to: tuple[str, ...], at: str | None,
         dry_run: bool, yes: bool, force_list_health: bool) -> None:
    """Send REPORT's built email (or press release) to a target, exactly once."""
    from pipeline import publish

    request = publish.SendRequest(report, channel, target, test_to, at, dry_run, force_list_health)
    publish.send(state.project, request, secret_for=_env_secret, echo=_echo_masked,
                 confirm=lambda plan: yes or click.confirm(f"{plan.action}?", default=False))


@cli.command()
@click.argument("report", required=False)
@click.pass_obj
def status(state: _State, report: str | None) -> None:
    """Show what was sent where and when; with REPORT, its full history."""
    from pipeline.settle import status_lines

    for line in status_lines(state.project, report):
        click.echo(line)


@cli.command()
@click.argument("report", required=False)
@click.option("--target", default=None, help="Only campaigns sent to this target.")
@click.option("--channel", type=click.Choice(["newsletter", "press"]), default=None, help="Only this channel.")
@click.option("--json", "form", flag_value="json", help="JSON for machines (fields in the README).")
@click.option("--csv", "form", flag_value="csv", help="CSV for machines (same fields).")
@click.pass_obj
def report(state: _State, report: str | None, target: str | None, channel: str | None, form: str | None) -> None:
    """What each sent campaign's provider reports (bounces, complaints…); read-only; page in out/reports/."""
    import datetime as dt

    from pipeline import delivery_report as delivery

    result = delivery.report(state.project, report, target=target, channel=channel, secret_for=_env_secret,
                             now=dt.datetime.now(dt.timezone.utc))
    if form:
        click.echo(_masked({"json": delivery.as_json, "csv": delivery.as_csv}[form](result.rows)), nl=form == "json")
    else:
        for line in delivery.lines(result.rows) + [f"wrote {result.page}"]:
            _echo_masked(line)
    delivery.raise_for_errors(result.rows)


@cli.command()
@click.pass_obj
def reconcile(state: _State) -> None:
    """Settle sends whose outcome is unknown by asking the provider; never sends anything (exit 4: still unknown)."""
    from pipeline.errors import SendOutcomeUnknownError
    from pipeline.ledger import SendState
    from pipeline.settle import reconcile as settle

    open_ = [r for r in settle(state.project, secret_for=_env_secret, echo=_echo_masked)
             if r.state in (SendState.SENDING, SendState.UNKNOWN)]
    if open_:
        raise SendOutcomeUnknownError(f"{len(open_)} send(s) still without a known outcome: "
                                      f"{', '.join(r.ref for r in open_)} — run `newsroom reconcile` again later")


def _echo_masked(line: str) -> None:
    """click.echo for lines that may carry a provider's words (list names, statuses): secrets masked."""
    click.echo(_masked(line))


def _env_secret(provider: str):
    """The provider's credential from the environment (checked), masked in every log handler from now on."""
    import logging

    from pipeline.providers import armed
    from pipeline.secrets import RedactingFilter, secret_for

    secret = armed(provider, secret_for(provider, os.environ))
    if secret is not None:
        for handler in logging.getLogger().handlers:
            handler.addFilter(RedactingFilter([secret]))
    return secret


# --- end of publish commands ---


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turn every PipelineError into a message and its exit code."""
    state = _State()
    try:
        cli.main(args=argv, prog_name="newsroom", standalone_mode=False, obj=state)
    except click.exceptions.Abort:
        click.echo(_("aborted"), err=True)
        sys.exit(ExitCode.USER_ERROR)
    except click.ClickException as err:
        err.show()
        sys.exit(ExitCode.USAGE if isinstance(err, click.UsageError) else ExitCode.USER_ERROR)
    except ContentError as err:
        for issue in err.issues:
            click.echo(str(issue), err=True)
        files = len({issue.location.path for issue in err.issues})
        click.echo(_("{count} problem(s) in {files} file(s); nothing was written or sent.")
                   .format(count=len(err.issues), files=files), err=True)
        sys.exit(err.exit_code)
    except PipelineError as err:
        click.echo(_masked(f"error: {err}"), err=True)  # a provider's words may quote a credential
        sys.exit(err.exit_code)
    except KeyboardInterrupt:
        click.echo(_("interrupted; nothing half-written was kept"), err=True)
        sys.exit(ExitCode.USER_ERROR)
    except Exception:  # a bug: one line for the user, the traceback in a file
        _report_internal_error(state)
        sys.exit(ExitCode.INTERNAL)
    sys.exit(ExitCode.OK)


def _report_internal_error(state: _State) -> None:
    """One line for the user; the traceback, secrets masked, in <project>/.newsroom/ and with --debug on stderr."""
    import traceback

    details = _masked(traceback.format_exc())
    path = state.root / LAST_ERROR
    try:
        if not state.root.is_dir():
            raise OSError("no project folder")
        from pipeline.atomic import write_atomic

        write_atomic(path, details.encode("utf-8"))
        where = _("details in {path}").format(path=path)
    except OSError:
        where = _("run again with --debug for details")
    click.echo(_("internal error — please report it; {where}").format(where=where), err=True)
    if state.debug or os.environ.get("NEWSROOM_DEBUG"):
        click.echo(details, err=True)


def _masked(text: str) -> str:
    """`text` with every secret set in the environment masked, in every form a provider's header carries it."""
    from pipeline.providers import armed_in_environment
    from pipeline.secrets import redact

    return redact(text, armed_in_environment(os.environ))
