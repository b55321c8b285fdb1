"""Model rules → JSON Schema files for editors (`newsroom schema`; committed under schema/)."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.atomic import write_atomic
from pipeline.config import SETTINGS
from pipeline.model import REPORT
from pipeline.schema import json_schema

SCHEMA_BASE = "https://newsroom.example.org/schema/"


def schemas() -> dict[str, dict]:
    """File name → JSON Schema, for reports and for newsroom.yaml."""
    return {
        "report.schema.json": json_schema(REPORT, title="Newsroom event report",
                                          schema_id=SCHEMA_BASE + "report.schema.json"),
        "newsroom.schema.json": json_schema(SETTINGS, title="Newsroom publication settings",
                                            schema_id=SCHEMA_BASE + "newsroom.schema.json"),
    }


def write_schemas(out_dir: Path) -> list[Path]:
    """Write every schema atomically (temp file, then rename); returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in schemas().items():
        target = out_dir / name
        write_atomic(target, (json.dumps(schema, indent=2, ensure_ascii=False) + "\n").encode())
        written.append(target)
    return written
