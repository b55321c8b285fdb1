"""`newsroom build --now`: the public site as of a given instant, and a clear refusal of a time without offset."""

from __future__ import annotations

import os
import subprocess
import sys

from press_support import SEED, embargoed_project


def run(project, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSROOM_")}
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=project, capture_output=True, text=True,
                          timeout=120, env=env)


def test_build_now_before_and_at_the_lift(tmp_path):
    root = embargoed_project(tmp_path / "project")
    early = run(root, "build", "--now", "2026-12-01T09:59:59+01:00")
    assert early.returncode == 0, early.stderr
    assert "site: 1 report(s) public in out/site" in early.stdout.splitlines()
    assert not (root / "out" / "site" / "presse" / SEED).exists()
    on_time = run(root, "build", "--now", "2026-12-01T09:00:00+00:00")
    assert "site: 2 report(s) public in out/site" in on_time.stdout.splitlines()
    assert (root / "out" / "site" / "presse" / SEED / "index.html").is_file()


def test_now_without_offset_is_a_usage_error(tmp_path):
    root = embargoed_project(tmp_path / "project")
    result = run(root, "build", "--now", "2026-12-01T10:00:00")
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == ("Error: Invalid value for '--now': write a date and time with offset,"
                                             " e.g. 2026-12-01T10:00:00+01:00")
    assert not (root / "out").exists()
