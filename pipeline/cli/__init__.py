"""The `newsroom` command: parses arguments, calls one core function per command, prints, exits.

This package is the only place that imports Click, reads `os.environ`, prints or sets the exit code.
Heavy modules (Jinja2, MRML, requests) are imported inside the commands, so `newsroom --help` starts fast.
`app.py` holds the group and `main`; importing `authoring` and `delivery` registers their commands on it.
"""

from pipeline.cli import authoring, delivery  # noqa: F401  (registers the commands)
from pipeline.cli.app import cli, main

__all__ = ["cli", "main"]
