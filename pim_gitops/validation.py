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

from pim_gitops.compile import DesiredState, compile_policies
from pim_gitops.errors import PolicyError, PolicyErrors, PolicySchemaError
from pim_gitops.loader import PolicySet, load_policies
from pim_gitops.model import LintSettings


def _lint_rules_state(policy: PolicySet) -> DesiredState | None:
    """Just enough of a desired state to check ``lint.rules`` (``None``: no tenant file)."""
    tenant, source = policy.tenant, policy.tenant_source
    if tenant is None or source is None:
        return None
    return DesiredState(
        tenant=tenant.tenant,
        roles=(),
        break_glass=(),
        automation=(),
        apply_identity=None,
        lint=tenant.lint or LintSettings(),
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
