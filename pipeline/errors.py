"""The one error tree of the pipeline, its exit codes and the Issue/Location value types.

::

    PipelineError                      base; .exit_code; message written for the communications team
    ├── ConfigError                    newsroom.yaml, target or secret missing or invalid       → exit 1
    │   └── SecretNotSetError          the provider's environment variable is empty (dry runs go on)
    ├── ContentError                   .issues: list[Issue]; str() is one line per issue        → exit 1
    ├── RenderError                    template or MJML failure, with the template name         → exit 1
    ├── OutputError                    out/ not writable, build stale or missing                → exit 1
    ├── LedgerError                    illegal transition, locked or corrupt ledger             → exit 1
    └── PublishError                   nothing was sent                                         → exit 3
        ├── ProviderAuthError          401/403
        ├── ProviderRejectedError      400/404/409/422
        ├── ProviderRateLimitedError   429 after retries
        ├── ProviderUnavailableError   timeouts, 5xx after retries
        └── SendOutcomeUnknownError    failure *during* send(): never resend, reconcile         → exit 4

`cli.main` catches `PipelineError` once; anything else is a bug (exit 70).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ExitCode(enum.IntEnum):
    """Documented exit codes of the `newsroom` command."""

    OK = 0
    USER_ERROR = 1
    USAGE = 2
    PROVIDER = 3
    OUTCOME_UNKNOWN = 4
    INTERNAL = 70


@dataclass(frozen=True, order=True)
class Location:
    """A place in a source file; line and column are 1-based (0 = unknown)."""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if not self.line:
            return self.path
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True, order=True)
class Issue:
    """One problem in the content: where, which field, what is wrong and how to fix it."""

    location: Location
    field: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.location}: {self.field}: {self.message}" if self.field else f"{self.location}: {self.message}"
        return f"{text} — {self.hint}" if self.hint else text


class PipelineError(Exception):
    """Root of every error the user can cause; the CLI prints it and exits with `exit_code`."""

    exit_code: ExitCode = ExitCode.USER_ERROR


class ConfigError(PipelineError):
    """Raised for a missing or invalid `newsroom.yaml`, target or secret; fix the config or env."""


class SecretNotSetError(ConfigError):
    """The provider's secret variable is not set (a malformed one is a plain ConfigError)."""


class ContentError(PipelineError):
    """Raised by loading and validation with every problem found, sorted by file and line."""

    def __init__(self, issues: list[Issue]):
        self.issues = sorted(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))


class RenderError(PipelineError):
    """Raised when a template or the MJML compiler fails; names the template."""


class OutputError(PipelineError):
    """Raised when outputs cannot be written, or a build is missing or stale."""


class LedgerError(PipelineError):
    """Raised for an illegal state transition or an unusable send ledger."""


class PublishError(PipelineError):
    """Raised when a publish step failed and nothing was sent."""

    exit_code = ExitCode.PROVIDER


class ProviderAuthError(PublishError):
    """401/403 from the provider: the API key is wrong or lacks rights."""


class ProviderRejectedError(PublishError):
    """400/404/409/422: the provider refused the request; its message says why."""


class ProviderRateLimitedError(PublishError):
    """429 after all retries; `retry_after` says how long the provider asked to wait."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class ProviderUnavailableError(PublishError):
    """The provider did not answer (timeout, connection error, 5xx) after retries."""


class SendOutcomeUnknownError(PublishError):
    """The send call failed in a way that may have sent anyway: do not resend, run `newsroom reconcile`."""

    exit_code = ExitCode.OUTCOME_UNKNOWN
