"""`newsroom lint` prints one finding per line and a summary, and exits 1 when an error fired."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_lint(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """`python -m pipeline --project <empty> lint …` (no settings: D5 checks the imprint's shape only)."""
    return subprocess.run([sys.executable, "-m", "pipeline", "--project", str(cwd), "lint", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def test_lint_fails_with_path_rule_message_and_fix(bad, make_report, tmp_path):
    folder = make_report(**{"email.html": bad("E13-vague-link-text.html")})
    result = run_lint(str(folder), cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{folder / 'email.html'}:") and ": E13: link text 'hier' does not say" in lines[0]
    assert " — name the target" in lines[0]
    assert lines[-1] == "lint: 1 report(s) checked, 1 error(s), 0 warning(s), 1 info"
    assert "quality gates failed" in result.stderr


def test_lint_passes_the_good_report_and_strict_fails_on_warnings(bad, make_report, tmp_path):
    good = make_report()
    assert run_lint(str(good.parent), cwd=tmp_path).returncode == 0
    warned = make_report("flex", **{"email.html": bad("E6-flexbox.html")})
    assert run_lint(str(warned), cwd=tmp_path).returncode == 0
    assert run_lint("--strict", str(warned), cwd=tmp_path).returncode == 1
