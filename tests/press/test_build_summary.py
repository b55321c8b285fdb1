"""`newsroom build`'s summary line says what was done: rendered, PDFs made, folders written, unchanged."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path


def build(project: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSROOM_")}
    result = subprocess.run([sys.executable, "-m", "pipeline", "build", *args], cwd=project, capture_output=True,
                            text=True, env=env, timeout=300)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr  # no WeasyPrint warning either
    [line] = [line for line in result.stdout.splitlines() if " report(s): " in line]
    return re.sub(r", [\d.]+ s$", "", line)


def test_a_pdf_build_after_a_plain_one_says_it_made_the_pdfs(tmp_project):
    assert build(tmp_project) == "3 report(s): 3 rendered, 3 written, 0 unchanged"
    assert build(tmp_project, "--pdf") == "3 report(s): 0 rendered, 3 PDF(s) made, 3 written, 0 unchanged"
    assert build(tmp_project, "--pdf") == "3 report(s): 0 rendered, 0 PDF(s) made, 0 written, 3 unchanged"
    assert all((tmp_project / "out" / slug / "press.pdf").is_file() for slug in
               ("2021-11-29-industriestandort-berlin-brandenburg", "2022-03-15-hydrogen-valley-workshop"))
