"""`newsroom lint --info` scores each built message with Debian's SpamAssassin (info only, never failing)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from press_support import embargoed_project

SEED = "2021-11-29-industriestandort-berlin-brandenburg"
# A message as a careless sender writes it: no Date, no Message-ID.
UNDATED = """\
From: Newsroom <newsroom@example.org>
To: leser@example.org
Subject: Regionalveranstaltung zur Zukunft des Industriestandortes
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Industrieakteure aus Initiativen, Unternehmen und Verbänden diskutierten über den Standort.
"""
SCORE_LINE = re.compile(r": SPAM: \(info\) SpamAssassin 4\.\d+\.\d+ score (?P<score>-?\d+\.\d+) \(spam from 5\.0\): "
                        r"(?P<rules>.*) — informational")


def newsroom(*args: str, cwd: Path, home: Path, path: str | None = None) -> subprocess.CompletedProcess:
    """`python -m pipeline --project <cwd> …` with a private HOME (and PATH, if given)."""
    env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache")}
    if path is not None:
        env["PATH"] = path
    return subprocess.run([sys.executable, "-m", "pipeline", "--project", str(cwd), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def rules_of(line: str) -> dict[str, float]:
    """{"MISSING_DATE": 2.739, …} from one SPAM line's "RULE points (description)" list."""
    return {rule: float(points) for rule, points in re.findall(r"([A-Z][A-Z0-9_]+) (-?\d+(?:\.\d+)?) \(", line)}


def test_lint_prints_the_score_and_each_rule_with_its_points_and_writes_nothing_to_home(make_report, tmp_path):
    folder = make_report()
    (folder / "email.eml").write_text(UNDATED, encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    result = newsroom("lint", "--info", str(folder), cwd=tmp_path, home=home)
    assert result.returncode == 0, result.stdout + result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith(f"{folder / 'email.eml'}: SPAM:"))
    match = SCORE_LINE.search(line)
    assert match, line
    rules = rules_of(match["rules"])
    assert rules["MISSING_DATE"] > 1 and rules["MISSING_MID"] > 0, line
    assert "MISSING_DATE 2.739 (Missing Date: header)" in line  # the Debian package's stock score
    assert float(match["score"]) >= rules["MISSING_DATE"] + rules["MISSING_MID"] - 0.1
    assert list(home.iterdir()) == []  # SpamAssassin got its own temporary HOME
    quiet = newsroom("lint", str(folder), cwd=tmp_path, home=home)
    assert quiet.returncode == 0 and "SPAM" not in quiet.stdout  # info lines only with --info


def test_lint_without_spamassassin_says_how_to_install_it_and_passes(make_report, tmp_path):
    folder = make_report()
    (folder / "email.eml").write_text(UNDATED, encoding="utf-8")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "node").symlink_to(shutil.which("node"))  # the MJML validator (E3) still runs
    home = tmp_path / "home"
    home.mkdir()
    result = newsroom("lint", "--info", str(folder), cwd=tmp_path, home=home, path=str(bin_dir))
    assert result.returncode == 0, result.stdout + result.stderr
    spam = [line for line in result.stdout.splitlines() if ": SPAM: " in line]
    assert spam == ["spamassassin: SPAM: (info) SpamAssassin is not installed, so the built messages got no spam "
                    "score — install Debian's package: `apt-get install spamassassin` (`make setup` does)"]


def test_the_seed_newsletter_scores_at_most_one_point(tmp_project, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    out = tmp_path / "out"
    report = tmp_project / "content" / "reports" / f"{SEED}.yaml"
    built = newsroom("build", str(report), "--out", str(out), cwd=tmp_project, home=home)
    assert built.returncode == 0, built.stdout + built.stderr
    result = newsroom("lint", "--info", str(out / SEED), cwd=tmp_project, home=home)
    assert result.returncode == 0, result.stdout + result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith(f"{out / SEED / 'email.eml'}: SPAM:"))
    match = SCORE_LINE.search(line)
    assert match, line
    assert float(match["score"]) <= 1.0, line
    assert not {"HTML_FONT_LOW_CONTRAST", "MISSING_DATE", "MISSING_MID"} & set(rules_of(match["rules"])), line


def test_the_embargoed_press_message_with_its_pictures_embedded_lints_clean(tmp_path):
    """press.eml as multipart/related (the logo by cid:) is read and scored; lint finds nothing to refuse."""
    project = embargoed_project(tmp_path / "project")
    home = tmp_path / "home"
    home.mkdir()
    out = tmp_path / "out"
    built = newsroom("build", str(project / "content" / "reports" / f"{SEED}.yaml"), "--out", str(out),
                     cwd=project, home=home)
    assert built.returncode == 0, built.stdout + built.stderr
    assert b"Content-Type: multipart/related;" in (out / SEED / "press.eml").read_bytes()
    result = newsroom("lint", "--strict", "--info", str(out / SEED), cwd=project, home=home)
    assert result.returncode == 0, result.stdout + result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith(f"{out / SEED / 'press.eml'}: SPAM:"))
    match = SCORE_LINE.search(line)
    assert match and float(match["score"]) <= 1.0, line
