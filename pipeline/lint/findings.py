"""The value types every lint rule returns: `Finding` and its `Severity`."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass


class Severity(str, enum.Enum):
    """How bad a finding is; the value is what the report prints."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, order=True)
class Finding:
    """One problem in one output file: which rule, where, what is wrong and how to fix it."""

    path: str
    line: int
    rule: str
    severity: Severity
    message: str
    fix: str

    def __str__(self) -> str:
        """`path:line: RULE: message — fix`; warnings and infos say so before the message."""
        where = f"{self.path}:{self.line}" if self.line else self.path
        level = "" if self.severity is Severity.ERROR else f"({self.severity.value}) "
        return f"{where}: {self.rule}: {level}{self.message} — {self.fix}"

    def to_json(self) -> dict:
        """Plain dict for lint.json and the preview bundle."""
        data = asdict(self)
        data["severity"] = self.severity.value
        return data
