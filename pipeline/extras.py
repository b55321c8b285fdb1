"""The optional parts of Newsroom, the pip extra that installs each, and the one check that says how.

`pip install newsroom` checks, builds, previews, lints and sends. Press PDFs (`newsroom build --pdf`,
the preview's PDF link) need WeasyPrint, the `pdf` extra; screenshots and axe (`newsroom bundle`, the
browser checks) need Playwright and axe-playwright-python, the `browser` extra. Modules that import them
call `require` first, so a missing extra is a one-line error with the install command (exit 1), never
an ImportError traceback.
"""

from __future__ import annotations

import importlib.util

from pipeline.errors import PipelineError

#: extra → the modules it provides (import names), as pyproject.toml's [project.optional-dependencies] installs them
EXTRAS: dict[str, tuple[str, ...]] = {
    "pdf": ("weasyprint",),
    "browser": ("playwright", "axe_playwright_python"),
}


def missing(extra: str) -> list[str]:
    """The modules of `extra` that are not installed."""
    return [name for name in EXTRAS[extra] if importlib.util.find_spec(name) is None]


def require(extra: str, what: str) -> None:
    """Raise a PipelineError naming `what` needs and the install line if a module of `extra` is missing."""
    absent = missing(extra)
    if absent:
        raise PipelineError(f"{what} needs the {extra} extra ({', '.join(absent)} not installed): "
                            f"pip install 'newsroom[{extra}]'")
