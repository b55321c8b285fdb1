"""The `newsroom` command: parses arguments, calls one core function per command, prints, exits.

This is the only module that imports Click, reads `os.environ`, prints or sets the exit code.
Heavy modules (Jinja2, MRML, css-inline, requests) are imported inside the commands, so
`newsroom --help` starts fast.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from pathlib import Path

import click

from pipeline import __version__
from pipeline.errors import ContentError, ExitCode, PipelineError

LAST_ERROR = Path(".newsroom") / "last-error.txt"


class _State:
    """Options shared by every command."""

    def __init__(self, root: Path, debug: bool):
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
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = _State(root, debug)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.pass_obj
def check(state: _State, paths: tuple[Path, ...]) -> None:
    """Validate content/newsroom.yaml and the reports (default: all of content/reports/)."""
    from pipeline.build import check as check_reports

    reports = check_reports(state.project, list(paths) or None)
    click.echo(f"ok: {len(reports)} report(s) valid")


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: out/).")
@click.option("--site-url", default=None, help="Public address to use instead of site_url (e.g. for a staging site).")
@click.pass_obj
def build(state: _State, paths: tuple[Path, ...], out_dir: Path | None, site_url: str | None) -> None:
    """Render every report into out/<slug>/ (email, text, .eml, press release, manifest)."""
    from pipeline.build import build as build_reports

    manifests = build_reports(state.project, list(paths) or None, out_dir, site_url)
    target = out_dir or state.project.out_dir
    for manifest in manifests:
        size = manifest["files"]["email.html"]["bytes"]
        click.echo(f"built {manifest['slug']} ({manifest['status']}, email {size:,} bytes)")
    click.echo(f"open {target / 'index.html'}")


@cli.command()
@click.option("--port", default=8000, show_default=True, help="Port on 127.0.0.1 (0 picks a free one).")
@click.option("--once", is_flag=True, help="Build the preview and exit without serving (for scripts).")
@click.pass_obj
def preview(state: _State, port: int, once: bool) -> None:
    """Serve a live preview on 127.0.0.1 and rebuild when content or templates change."""
    from pipeline.preview import serve

    for line in serve(state.project, port=port, once=once):
        click.echo(line)


@cli.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("schema"),
              show_default=True, help="Folder for report.schema.json and newsroom.schema.json.")
def schema(out_dir: Path) -> None:
    """Write the JSON Schemas of reports and settings (for editor autocompletion)."""
    from pipeline.editor_schema import write_schemas

    for path in write_schemas(out_dir):
        click.echo(f"wrote {path}")


# --- publish commands (send, status, reconcile → pipeline/publish.py) ---


@cli.command()
@click.argument("report")
@click.option("--channel", type=click.Choice(["newsletter", "press"]), default="newsletter", show_default=True,
              help="newsletter: the email to the target's list; press: the press release to its press_list.")
@click.option("--target", default="test", show_default=True, help="A target from content/newsroom.yaml.")
@click.option("--test-to", multiple=True, metavar="EMAIL", help="Send a test to this address only (repeatable).")
@click.option("--at", default=None, metavar="DATETIME", help="Schedule instead of sending now: 2026-12-01T09:00+01:00.")
@click.option("--dry-run", is_flag=True, help="Print every request a send would make; no network call.")
@click.option("--yes", is_flag=True, help="Send to the list without asking (for CI).")
@click.pass_obj
def send(state: _State, report: str, channel: str, target: str, test_to: tuple[str, ...], at: str | None,
         dry_run: bool, yes: bool) -> None:
    """Send REPORT's built email (or press release) to a target, exactly once."""
    from pipeline import publish

    request = publish.SendRequest(report, channel, target, test_to, at, dry_run)
    publish.send(state.project, request, secret_for=_env_secret, echo=click.echo,
                 confirm=lambda plan: yes or click.confirm(f"{plan.action}?", default=False),
                 fault_at=os.environ.get("NEWSROOM_FAULT_AT"))  # crash-test hook, see publish.py


@cli.command()
@click.argument("report", required=False)
@click.pass_obj
def status(state: _State, report: str | None) -> None:
    """Show what was sent where and when; with REPORT, its full history."""
    from pipeline.publish import status_lines

    for line in status_lines(state.project, report):
        click.echo(line)


@cli.command()
@click.pass_obj
def reconcile(state: _State) -> None:
    """Settle sends whose outcome is unknown by asking the provider; never sends anything."""
    from pipeline.publish import reconcile as settle

    settle(state.project, secret_for=_env_secret, echo=click.echo)


def _env_secret(provider: str):
    """The provider's credential from the environment, masked in every log handler from now on."""
    from pipeline.secrets import RedactingFilter, secret_for

    secret = secret_for(provider, os.environ)
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactingFilter([secret]))
    return secret


# --- end of publish commands ---


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turn every PipelineError into a message and its exit code."""
    try:
        cli.main(args=argv, prog_name="newsroom", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(ExitCode.USER_ERROR)
    except click.ClickException as err:
        err.show()
        sys.exit(ExitCode.USAGE if isinstance(err, click.UsageError) else ExitCode.USER_ERROR)
    except ContentError as err:
        for issue in err.issues:
            click.echo(str(issue), err=True)
        files = len({issue.location.path for issue in err.issues})
        click.echo(f"{len(err.issues)} problem(s) in {files} file(s); nothing was written or sent.", err=True)
        sys.exit(err.exit_code)
    except PipelineError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(err.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted; nothing half-written was kept", err=True)
        sys.exit(ExitCode.USER_ERROR)
    except Exception:  # a bug: one line for the user, the traceback in a file
        _report_internal_error()
        sys.exit(ExitCode.INTERNAL)
    sys.exit(ExitCode.OK)


def _report_internal_error() -> None:
    details = traceback.format_exc()
    try:
        LAST_ERROR.parent.mkdir(parents=True, exist_ok=True)
        LAST_ERROR.write_text(details, encoding="utf-8")
        where = f"details in {LAST_ERROR}"
    except OSError:
        where = "run again with --debug for details"
    click.echo(f"internal error — please report it; {where}", err=True)
    if "--debug" in sys.argv or os.environ.get("NEWSROOM_DEBUG"):
        click.echo(details, err=True)
