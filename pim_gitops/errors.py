"""The exception tree of pim-gitops.

::

    PimGitopsError                    base; exit code 1; never raised bare
    ├── PolicyError                   user input, located in a file
    │   ├── PolicySyntaxError         YAML syntax, duplicate keys, oversized input
    │   ├── PolicySchemaError         a value the model rejects, at file:line:col
    │   └── UnresolvedReferenceError  unknown role, template or principal
    ├── PolicyErrors                  several PolicyErrors of one run, reported together
    ├── SnapshotError                 a tenant snapshot or Graph payload that cannot be read
    ├── GraphError                    method, url, status, Graph error code, request-id
    │   ├── GraphAuthError
    │   └── GraphThrottledError       retryable; carries Retry-After
    ├── PlanError
    │   ├── StalePlanError            fingerprint no longer matches the live state
    │   └── PlanFormatError           unknown or newer format_version
    ├── ApplyError
    │   ├── GuardrailError            break-glass floor, removal cap, self-lockout
    │   └── PartialApplyError         lists steps done and the step that failed
    └── LintConfigError               unknown rule code, waiver without a reason

Third-party exceptions are caught where they are raised and re-raised as one of these with
``raise ... from exc``; only ``cli.main`` turns them into a message and an exit code.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


class PimGitopsError(Exception):
    """Base of every error this tool raises on purpose."""

    exit_code = 1


@dataclass(frozen=True, order=True)
class Location:
    """A position in a policy file (1-based line and column; 0 when unknown)."""

    path: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}:{self.col}"
        return self.path


class PolicyError(PimGitopsError):
    """Bad policy input, located at ``file:line:col``."""

    def __init__(self, location: Location, message: str, *, warning: bool = False) -> None:
        self.location = location
        self.message = message
        self.warning = warning
        super().__init__(f"{location}: {message}")


class PolicySyntaxError(PolicyError):
    """YAML that cannot be read: syntax, duplicate keys, aliases, size."""


class PolicySchemaError(PolicyError):
    """A key or value the policy model rejects."""


class UnresolvedReferenceError(PolicyError):
    """A role, template or principal that cannot be found."""


class PolicyErrors(PimGitopsError):
    """All the problems found in one run, sorted by location."""

    def __init__(self, errors: Iterable[PolicyError]) -> None:
        self.errors: list[PolicyError] = sorted(errors, key=lambda e: (e.location, e.message))
        count = len(self.errors)
        lines = [str(e) for e in self.errors]
        lines.append(f"{count} error{'s' if count != 1 else ''} found.")
        super().__init__("\n".join(lines))


class SnapshotError(PimGitopsError):
    """A snapshot file or a Graph payload that does not have the expected shape."""


class GraphError(PimGitopsError):
    """A Microsoft Graph call that failed, with everything needed to trace it."""

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        url: str = "",
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        target: str | None = None,
    ) -> None:
        self.method = method
        self.url = url
        self.status = status
        self.code = code
        self.request_id = request_id
        self.target = target
        parts = [message]
        if target:
            parts.append(f"object: {target}")
        if method or url:
            parts.append(f"request: {method} {url}".rstrip())
        if status is not None:
            parts.append(f"status: {status}")
        if code:
            parts.append(f"Graph error code: {code}")
        if request_id:
            parts.append(f"request-id: {request_id}")
        super().__init__("\n  ".join(parts))


class GraphAuthError(GraphError):
    """Authentication failed or was refused (401/403, credential errors)."""


class GraphThrottledError(GraphError):
    """Throttled past the retry budget; carries the last Retry-After."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kw)  # type: ignore[arg-type]


class PlanError(PimGitopsError):
    """A plan that cannot be built or used."""


class StalePlanError(PlanError):
    """The live state moved since the plan was made."""


class PlanFormatError(PlanError):
    """A plan file of an unknown or newer format."""


class ApplyError(PimGitopsError):
    """Apply could not complete."""


class GuardrailError(ApplyError):
    """Apply refused by a safety guard."""


class PartialApplyError(ApplyError):
    """Some steps succeeded and at least one failed."""

    def __init__(self, message: str, *, done: Sequence[str] = (), failed: Sequence[str] = ()):
        self.done = list(done)
        self.failed = list(failed)
        super().__init__(message)


class LintConfigError(PimGitopsError):
    """A lint configuration that cannot be used."""
