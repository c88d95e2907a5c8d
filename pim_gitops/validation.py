"""``validate``: every problem of a policy directory in one run.

The loader checks each file on its own (YAML, duplicate keys, the schema) and keeps going
past a broken file; compiling adds the cross-file checks (templates, a role managed twice,
settings and assignments against the compiled policy) for the files that loaded; the tenant
file's ``lint.rules`` are checked against the rule catalogue even when other files failed.
All of it is raised as one ``PolicyErrors``, sorted by ``file:line:col``, with a count.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from pim_gitops.compile import DesiredState, compile_policies
from pim_gitops.errors import PolicyError, PolicyErrors, PolicySchemaError
from pim_gitops.loader import PolicySet, SourceMap, load_policies
from pim_gitops.model import LintSettings


def _lint_section(policy: PolicySet) -> tuple[LintSettings, SourceMap] | None:
    """The tenant file's ``lint`` and where its keys are; from the file as read when it
    failed validation elsewhere (``None``: no tenant file, or its ``lint`` is invalid too,
    which the file's own errors report)."""
    if policy.tenant is not None and policy.tenant_source is not None:
        return policy.tenant.lint or LintSettings(), policy.tenant_source
    loaded = policy.fallback_tenant
    raw = loaded.data.get("lint") if loaded is not None and isinstance(loaded.data, dict) else None
    if loaded is None or not isinstance(raw, dict):
        return None
    try:
        return LintSettings.model_validate(raw), loaded.source
    except ValidationError:
        return None


def _lint_rules_state(policy: PolicySet) -> DesiredState | None:
    """Just enough of a desired state to check ``lint.rules`` (``None``: nothing to check)."""
    found = _lint_section(policy)
    if found is None:
        return None
    lint, source = found
    return DesiredState(
        tenant="",
        roles=(),
        break_glass=(),
        automation=(),
        apply_identity=None,
        lint=lint,
        waivers=(),
        tenant_file=source.path,
        tenant_source=source,
    )


def lint_rules_errors(state: DesiredState | None) -> list[PolicyError]:
    """``lint.rules`` problems (unknown codes and options) as located policy errors."""
    from pim_gitops.lint.config import override_problems
    from pim_gitops.lint.registry import catalogue

    if state is None:
        return []
    return [PolicySchemaError(where, text) for where, text in override_problems(state, catalogue())]


def validate_directory(directory: str | Path, now: datetime) -> DesiredState:
    """The compiled policy; raises ``PolicyErrors`` with every problem found."""
    policy = load_policies(directory)
    try:
        desired = compile_policies(policy, now)
    except PolicyErrors as exc:
        raise PolicyErrors([*exc.errors, *lint_rules_errors(_lint_rules_state(policy))]) from exc
    problems = lint_rules_errors(desired)
    if problems:
        raise PolicyErrors(problems)
    return desired
