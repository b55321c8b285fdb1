"""The commands that reach the providers: send, status, report, reconcile (secrets from the environment, masked)."""

from __future__ import annotations

import os

import click

from pipeline.cli.app import _masked, _State, cli
from pipeline.headers import MAX_TEST_RECIPIENTS


def _test_recipients(ctx, param, value: tuple[str, ...]) -> tuple[str, ...]:
    """--test-to: addresses with optional names, at most MAX_TEST_RECIPIENTS (pipeline/headers.py), else exit 2."""
    from pipeline.headers import recipients_problem

    problem = recipients_problem(value)
    if problem:
        raise click.BadParameter(problem)
    return value


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


