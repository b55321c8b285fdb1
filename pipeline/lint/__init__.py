"""Quality gates on built outputs: `out/<slug>/…` → a sorted list of `Finding`s (rule id, file, message, fix).

Every rule family is one module under `pipeline.lint.rules`; `RULES` below is the one list of them, in the
order their findings are reported. Rules read only what `newsroom build` wrote (see `document.Built`), so
the same gates run locally, in `build --strict` and in CI.

Severities: `error` is a MUST rule failing (the command exits 1), `warning` a SHOULD rule or a budget
nearly used up (fails under `--strict`), `info` something a reviewer should know that never fails.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from pipeline.lint import document
from pipeline.lint.findings import Finding, Severity
from pipeline.lint.rules import (
    accessibility,
    compatibility,
    footer,
    mjml,
    nostyle,
    preheader,
    safety,
    size,
    spamassassin,
)

__all__ = ["RULES", "Finding", "Severity", "failed", "lint", "summary", "to_json"]

Rule = Callable[[document.Built], Iterable[Finding]]

# The one list of per-report rules (E3 runs once for all reports, see `lint`).
RULES: tuple[Rule, ...] = (
    size.check,             # E1
    nostyle.check,          # E5
    compatibility.check,    # E6
    accessibility.check,    # E10, E11, E13 (email and press page)
    preheader.check,        # E15
    safety.check,           # E19
    footer.check,           # D3, D5
)


def lint(out_dir: Path, slugs: Sequence[str] | None = None, *, imprint: object | None = None,
         validate_mjml: bool = True, node_modules: Path | None = None, spam_score: bool = False) -> list[Finding]:
    """Run every rule on the built reports in `out_dir` (all of them, or only `slugs`); sorted findings.

    `imprint` (a `config.Imprint`) lets D5 check each required imprint value; without it D5 checks shape only.
    `validate_mjml=False` skips E3 (it needs Node and takes about a second); `node_modules` is where its
    npm `mjml` is (`pipeline.nodetools`). `spam_score=True` adds SpamAssassin's score of each message
    (info only, about 2 s; `newsroom lint` asks for it, a build does not).
    """
    built = document.load_all(Path(out_dir), slugs, imprint=imprint)
    findings: list[Finding] = []
    for report in built:
        findings.extend(report.problems)
        for rule in RULES:
            findings.extend(rule(report))
    if validate_mjml:
        findings.extend(mjml.check_all(built, node_modules))
    if spam_score:
        findings.extend(spamassassin.check_all(built))
    return sorted(findings)


def failed(findings: Iterable[Finding], *, strict: bool = False) -> bool:
    """True if any finding is an error (or, with `strict`, a warning)."""
    failing = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
    return any(finding.severity in failing for finding in findings)


def summary(findings: Sequence[Finding], reports: int) -> str:
    """One line: how many reports were checked and how many findings of each severity."""
    counts = Counter(finding.severity for finding in findings)
    return (
        f"lint: {reports} report(s) checked, {counts[Severity.ERROR]} error(s), "
        f"{counts[Severity.WARNING]} warning(s), {counts[Severity.INFO]} info"
    )


def to_json(findings: Sequence[Finding]) -> str:
    """The findings as a JSON array, for lint.json in the preview bundle."""
    return json.dumps([finding.to_json() for finding in findings], ensure_ascii=False, indent=2) + "\n"
