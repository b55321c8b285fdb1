"""`make bench` on a tiny input: it runs end to end and writes out/bench.json with the required keys.

Only the shape of the result is checked here; the figures are read from a real `make bench`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from perf.conftest import REPO

REQUIRED = ("ours_ms_per_email", "reference_ms_per_email", "mrml_ms_per_email", "build_1000_s",
            "noop_rebuild_1000_s", "cli_help_s", "peak_rss_mb_1000")


def test_bench_writes_every_required_key(tmp_path):
    if shutil.which("node") is None or not (REPO / "node_modules" / "mjml").is_dir():
        pytest.fail("the reference toolchain (Node mjml) is not installed: run `make setup`", pytrace=False)
    target = tmp_path / "bench.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSROOM_")}
    result = subprocess.run([sys.executable, str(REPO / "benchmarks" / "run.py"), "--reports", "3", "--distinct", "2",
                             "--seconds", "0.05", "--repeats", "1", "--json", str(target),
                             "--workdir", str(tmp_path)],
                            cwd=REPO, capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    bench = json.loads(target.read_text(encoding="utf-8"))
    for key in REQUIRED:
        assert isinstance(bench[key], (int, float)) and bench[key] > 0, key
    assert bench["reference_inlined_paragraphs"] > 0  # juice really ran inside Node mjml
    assert set(bench["targets"]) >= {"ours_vs_reference", "ours_vs_mrml", "build_1000_s", "noop_rebuild_1000_s",
                                     "cli_help_s", "peak_rss_mb_1000"}
    assert "(a) ours" in result.stdout and "(b) reference" in result.stdout and "(c) floor" in result.stdout
