"""Lint rule families, one module each; `pipeline.lint.RULES` lists them. Each exposes `check(built)`."""
