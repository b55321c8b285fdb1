"""The `newsroom` group, its shared state and `main`: every PipelineError becomes a message and its exit code.

The commands are in `authoring.py` (check, build, preview, schema, cms, lint, bundle) and `delivery.py`
(send, status, report, reconcile); `pipeline/cli/__init__.py` registers both.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from pipeline import __version__
from pipeline.errors import ContentError, ExitCode, PipelineError

LAST_ERROR = Path(".newsroom") / "last-error.txt"


def _(msgid: str) -> str:
    """A CLI message in the language NEWSROOM_LANGUAGE names (de or en; English by default)."""
    from pipeline.render.i18n import translator

    return translator(os.environ.get("NEWSROOM_LANGUAGE", "en"))(msgid)


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
