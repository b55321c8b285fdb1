"""SPAM (info): SpamAssassin's score of every built message (`email.eml`, `press.eml`) with each rule that hit.

A second opinion from the filter many receiving servers run, reported and never gating: an INFO finding
per message names the total, the threshold and every rule with its points and description. Run as
Debian's `spamassassin` 4 (package `spamassassin`) once for all messages, like this:

- `--local`: no network tests (DNS blocklists, URIBL, Razor, Pyzor); a lint must not depend on the
  internet, and this machine has none.
- The rules are those on the machine: the Debian package's own set in /usr/share/spamassassin, or the
  newer one `sa-update` keeps in /var/lib/spamassassin where it has run (it needs the internet).
- Bayes off, and a private temporary HOME with `-x`: the score must not depend on what this machine
  learnt, and nothing is written to the user's ~/.spamassassin.
- LC_ALL=C, so the rule descriptions are the English ones (the package also ships German ones).

Starting SpamAssassin and compiling its rules takes about 2 s, each further message about 0.3 s (one
message 2.1 s, the sample's six 3.6 s: `time spamassassin -L -t -x out/*/*.eml` on the shared 2-core VM;
`newsroom lint out/` 1.4 s without it, 4.5 s with it), so only `newsroom lint` runs it, never
`build --strict` or `bundle`.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.lint.document import Built
from pipeline.lint.findings import Finding, Severity

RULE = "SPAM"
MESSAGES = ("email.eml", "press.eml")
TIMEOUT_SECONDS = 120
INSTALL_HINT = "install Debian's package: `apt-get install spamassassin` (`make setup` does)"
# One line of SpamAssassin's _SUMMARY_ table: " 2.7 MISSING_DATE           Missing Date: header"
SUMMARY_LINE = re.compile(r"^\s*-?\d+(?:\.\d+)?\s+(?P<rule>[A-Z0-9_]+)\s+(?P<text>.*)$")


@dataclass(frozen=True)
class Hit:
    """One rule that fired: its name, its points (SpamAssassin's three decimals) and its description."""

    rule: str
    points: float
    description: str


@dataclass(frozen=True)
class Verdict:
    """SpamAssassin's result for one message."""

    version: str
    score: str
    required: str
    hits: tuple[Hit, ...]


def check_all(reports: Sequence[Built], binary: str | None = None) -> list[Finding]:
    """Score every built message of `reports` in one SpamAssassin run; one INFO finding per message."""
    messages = [report.folder / name for report in reports for name in MESSAGES if (report.folder / name).is_file()]
    if not messages:
        return []
    binary = binary or shutil.which("spamassassin")
    if binary is None:
        return [Finding("spamassassin", 0, RULE, Severity.INFO,
                        "SpamAssassin is not installed, so the built messages got no spam score", INSTALL_HINT)]
    try:
        verdicts = score(binary, messages)
    except (OSError, subprocess.SubprocessError, ValueError) as err:
        detail = " ".join(str(err).split())[:300]
        return [Finding("spamassassin", 0, RULE, Severity.INFO, f"SpamAssassin could not score the messages ({detail})",
                        f"run `spamassassin -L -t < {messages[0]}` by hand to see why")]
    return [message_finding(path, verdict) for path, verdict in zip(messages, verdicts)]


def message_finding(path: Path, verdict: Verdict) -> Finding:
    """`SpamAssassin 4.0.1 score 4.0 (spam from 5.0): MISSING_DATE 2.739 (Missing Date: header), …`."""
    hits = sorted(verdict.hits, key=lambda hit: (-hit.points, hit.rule))
    rules = ", ".join(f"{hit.rule} {hit.points:g} ({hit.description})" for hit in hits) or "no rule hit"
    return Finding(str(path), 0, RULE, Severity.INFO,
                   f"SpamAssassin {verdict.version} score {verdict.score} (spam from {verdict.required}): {rules}",
                   "informational (stock rules, local tests only, no Bayes); rules with positive points are "
                   "worth removing, the seed aims at ≤ 1.0")


def score(binary: str, messages: Sequence[Path]) -> list[Verdict]:
    """Run `spamassassin --local --test-mode` on `messages`; their verdicts in the same order.

    The report template is replaced by one that starts and ends with a random marker, so text inside a
    message can never pass for a report. ValueError if the output holds fewer reports than messages.
    """
    marker = f"newsroom-spamassassin-{secrets.token_hex(8)}"
    config = ["use_bayes 0", "bayes_auto_learn 0", "clear_report_template",
              f"report {marker} version=_VERSION_ score=_SCORE_ required=_REQD_ tests=_TESTSSCORES(,)_",
              "report _SUMMARY_", f"report {marker}-end"]
    command = [binary, "--local", "--test-mode", "--nocreate-prefs", *(f"--cf={line}" for line in config),
               *map(str, messages)]
    with tempfile.TemporaryDirectory(prefix="newsroom-spamassassin-") as home:
        env = {**os.environ, "HOME": home, "LC_ALL": "C", "LANG": "C", "LANGUAGE": ""}
        result = subprocess.run(command, capture_output=True, text=True, errors="replace", env=env,
                                timeout=TIMEOUT_SECONDS, check=False)
    verdicts = parse(result.stdout, marker)
    if len(verdicts) != len(messages):
        detail = " ".join(result.stderr.split())[:200] or f"exit status {result.returncode}"
        raise ValueError(f"{len(verdicts)} report(s) for {len(messages)} message(s): {detail}")
    return verdicts


def parse(output: str, marker: str) -> list[Verdict]:
    """The verdicts in `spamassassin --test-mode` output written with `score`'s report template."""
    verdicts: list[Verdict] = []
    head: dict[str, str] | None = None
    descriptions: dict[str, str] = {}
    last = ""
    for line in output.splitlines():
        if line.startswith(marker + " "):
            head = dict(part.partition("=")[::2] for part in line[len(marker) + 1:].split(" "))
            descriptions, last = {}, ""
        elif head is not None and line.strip() == f"{marker}-end":
            verdicts.append(verdict_of(head, descriptions))
            head = None
        elif head is not None and (match := SUMMARY_LINE.match(line)):
            last = match["rule"]
            descriptions[last] = match["text"].strip()
        elif head is not None and last and line.strip():
            descriptions[last] += " " + line.strip()  # a description SpamAssassin wrapped
    return verdicts


def verdict_of(head: dict[str, str], descriptions: dict[str, str]) -> Verdict:
    """One Verdict from the marker line's fields and the summary's descriptions."""
    hits = []
    for item in head.get("tests", "").split(","):
        if not item or item == "none":  # SpamAssassin writes "none" when no rule hit
            continue
        rule, _, points = item.partition("=")
        hits.append(Hit(rule, float(points or 0), descriptions.get(rule, "")))
    return Verdict(head.get("version", "?"), head.get("score", "?"), head.get("required", "?"), tuple(hits))
