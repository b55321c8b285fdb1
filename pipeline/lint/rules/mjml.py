"""E3: each report's MJML source passes the reference compiler's strict validation (npm `mjml --validate`).

The build renders with MRML (`mjml-python`), which does not validate (EMAIL-QUALITY finding 7), so this
gate runs the npm compiler the project installs (`package.json`, `make setup`) once for all reports,
from the node_modules folder that `pipeline.nodetools` finds.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from pathlib import Path

from pipeline import nodetools
from pipeline.lint.document import Built
from pipeline.lint.findings import Finding, Severity

# "Line 12 of /abs/out/x/email.mjml (mj-text) — Attribute foo is illegal"
MESSAGE = re.compile(r"^Line (?P<line>\d+) of (?P<file>.+?) \((?P<tag>[^)]*)\) — (?P<text>.+)$")
TIMEOUT_SECONDS = 120


def check_all(reports: Sequence[Built], node_modules: Path | None = None) -> list[Finding]:
    """Validate every report's email.mjml in one `mjml --validate` run; one finding per validator message.

    `node_modules` is the folder of the npm tools (default: `nodetools.node_modules()`, the checkout's).
    """
    sources = {str((b.folder / "email.mjml").resolve()): b for b in reports if (b.folder / "email.mjml").is_file()}
    if not sources:
        return []
    folder = node_modules or nodetools.node_modules()
    mjml_bin = folder / ".bin" / "mjml"
    if not mjml_bin.is_file():
        return [Finding(str(mjml_bin), 0, "E3", Severity.ERROR, "the reference MJML compiler is not installed",
                        nodetools.missing_hint(folder))]
    result = subprocess.run([str(mjml_bin), "--validate", *sources], capture_output=True, text=True,
                            timeout=TIMEOUT_SECONDS, check=False)
    findings = []
    for line in (result.stdout + result.stderr).splitlines():
        match = MESSAGE.match(line.strip())
        if match and match["file"] in sources:
            built = sources[match["file"]]
            findings.append(Finding(
                built.path("email.mjml"), int(match["line"]), "E3", Severity.ERROR,
                f"<{match['tag']}>: {match['text']}",
                "fix the template that produced this tag; `mjml --validate` must pass in strict mode",
            ))
    if result.returncode != 0 and not findings:
        detail = " ".join((result.stderr or result.stdout).split())[:300]
        findings.append(Finding(str(mjml_bin), 0, "E3", Severity.ERROR, f"mjml --validate failed: {detail}",
                                "run it by hand on the email.mjml files to see why"))
    return findings
