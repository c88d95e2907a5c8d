"""The ``validate --format json`` document as frozen models: one document on every path (a
valid policy, policy errors, any other error), so a pipeline can always parse stdout.
``schemas/validate-result.schema.json`` is generated from ``ValidateReport``."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pim_gitops.compile import CompiledRole, DesiredState
from pim_gitops.errors import (
    PimGitopsError,
    PolicyError,
    PolicyErrors,
    PolicySchemaError,
    PolicySyntaxError,
    UnresolvedReferenceError,
)

#: What kind of problem: YAML syntax, the schema (a key or value the model refuses), a
#: reference (template, role, principal), another policy check, another error of ours (a
#: missing directory, a bad lint setting), or a bug (``internal``).
ProblemKind = Literal["syntax", "schema", "reference", "policy", "error", "internal"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ValidateProblem(_Frozen):
    """One error or warning, where it is written when it is written somewhere."""

    kind: ProblemKind
    file: str | None = Field(description="The policy file (null: no file, e.g. a bug).")
    line: int = Field(ge=0, description="1-based line; 0 when the problem has no line.")
    column: int = Field(ge=0, description="1-based column; 0 when the problem has no line.")
    message: str


class SourceRow(_Frozen):
    """One setting of a shown role: its value in policy words and where it came from."""

    path: str
    value: str
    source: str


class ValidatedRole(_Frozen):
    role: str
    role_id: str | None = Field(description="Template or object id (null: resolved at plan).")
    file: str
    template_chain: tuple[str, ...]
    assignments_mode: Literal["authoritative", "additive"]
    #: The compiled settings in policy words (``activation.max_duration`` …).
    settings: dict[str, Any]
    #: ``eligible`` / ``active`` → the declared assignments.
    assignments: dict[str, list[dict[str, Any]]]
    sources: tuple[SourceRow, ...] | None = Field(
        None,
        description="With --show: every setting path, its value and the file:line:col and "
        "layer it came from.",
    )


class ValidateSummary(_Frozen):
    roles: int = Field(ge=0)
    eligible: int = Field(ge=0)
    active: int = Field(ge=0)


class ValidateReport(_Frozen):
    valid: bool
    directory: str
    #: Every error of the run, sorted by file, line and column (empty when valid).
    errors: tuple[ValidateProblem, ...]
    #: Non-fatal findings of compiling (an expiry already past, …).
    warnings: tuple[ValidateProblem, ...]
    tenant: str | None
    break_glass: tuple[str, ...]
    summary: ValidateSummary | None = Field(description="null when the policy is not valid.")
    #: The managed roles (with --show ROLE, that role only).
    roles: tuple[ValidatedRole, ...]


def _kind(error: BaseException) -> ProblemKind:
    if isinstance(error, PolicySyntaxError):
        return "syntax"
    if isinstance(error, PolicySchemaError):
        return "schema"
    if isinstance(error, UnresolvedReferenceError):
        return "reference"
    if isinstance(error, PolicyError):
        return "policy"
    return "error" if isinstance(error, PimGitopsError) else "internal"


def problem(error: BaseException) -> ValidateProblem:
    """One error as a located problem (a policy error) or a message (any other)."""
    if isinstance(error, PolicyError):
        where = error.location
        return ValidateProblem(
            kind=_kind(error),
            file=where.path or None,
            line=where.line,
            column=where.col,
            message=error.message,
        )
    ours = isinstance(error, PimGitopsError)
    message = str(error) if ours else f"{type(error).__name__}: {error}"
    return ValidateProblem(kind=_kind(error), file=None, line=0, column=0, message=message)


def failed_report(directory: str, error: BaseException) -> ValidateReport:
    """The document of a run that failed: every policy error, or the one error raised."""
    errors = error.errors if isinstance(error, PolicyErrors) else [error]
    return ValidateReport(
        valid=False,
        directory=directory,
        errors=tuple(problem(e) for e in errors),
        warnings=(),
        tenant=None,
        break_glass=(),
        summary=None,
        roles=(),
    )


def _role(role: CompiledRole, with_sources: bool) -> ValidatedRole:
    from pim_gitops.render.desired import describe_role
    from pim_gitops.render.sources import describe_sources

    sources = tuple(SourceRow(**row) for row in describe_sources(role)) if with_sources else None
    return ValidatedRole(**describe_role(role), sources=sources)


def valid_report(
    directory: str,
    desired: DesiredState,
    shown: tuple[CompiledRole, ...] | None = None,
) -> ValidateReport:
    """The document of a valid policy: every role, or with ``shown`` those roles and where
    each of their settings came from."""
    from pim_gitops.render.desired import summary_counts

    roles = desired.roles if shown is None else shown
    return ValidateReport(
        valid=True,
        directory=directory,
        errors=(),
        warnings=tuple(problem(w) for w in desired.warnings),
        tenant=desired.tenant,
        break_glass=desired.break_glass,
        summary=ValidateSummary(**summary_counts(desired)),
        roles=tuple(_role(r, shown is not None) for r in roles),
    )


def render_report(report: ValidateReport) -> str:
    data = report.model_dump(mode="json", exclude_none=False)
    return json.dumps(data, indent=2, sort_keys=True) + "\n"
