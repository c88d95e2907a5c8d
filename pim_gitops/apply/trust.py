"""A saved plan file is untrusted input: it may have been edited between ``plan --out`` and
``apply``. What it may still decide is which of the writes the policy repository asks for
are made; the guard inputs (break-glass ids, apply identity, declared tenant) are
recomputed from the repository and the live tenant, never read from the file."""

from __future__ import annotations

from collections.abc import Iterable

from pim_gitops.apply.guards import refusal
from pim_gitops.apply.stale import check_stale
from pim_gitops.plan import GuardFacts, Operation, Plan, RulePatch
from pim_gitops.state import TenantState

Signature = tuple[str, ...]


def signature(op: Operation) -> Signature:
    """What a write is about and what it does, without the values it writes."""
    if isinstance(op, RulePatch):
        return ("rule", op.role.id, op.rule_id)
    return ("schedule", *op.key, op.action.value)


def unrequested(plan: Plan, replan_ops: Iterable[Operation]) -> list[str]:
    """The file's writes that the repository's own plan against the same read does not make."""
    allowed = {signature(op) for op in replan_ops}
    return [op.label for op in plan.operations if signature(op) not in allowed]


def file_problems(plan: Plan, repository_hash: str, replan: Plan) -> list[str]:
    """Why a plan file must not be applied with the repository (and the live read) that
    ``replan`` was made from."""
    problems = []
    if not plan.desired_hash or plan.desired_hash != repository_hash:
        problems.append(
            "untrusted-plan: this plan was made from another version of the policy "
            f"(plan {plan.desired_hash or 'no desired_hash'}, repository {repository_hash}); "
            "make a new plan from this repository"
        )
    if not plan.tenant_id:
        problems.append("untrusted-plan: the plan names no tenant (tenant_id is empty)")
    if plan.guards.tenant != replan.guards.tenant:
        problems.append(
            f"untrusted-plan: the plan declares tenant {plan.guards.tenant!r}, the policy "
            f"repository {replan.guards.tenant!r}"
        )
    extra = unrequested(plan, replan.operations)
    if extra and not problems:
        problems.append(
            "untrusted-plan: the plan file asks for writes the policy repository does not: "
            + ", ".join(extra)
        )
    return problems


def trusted_facts(
    plan: Plan, repository_hash: str, replan: Plan, tenant: TenantState
) -> GuardFacts:
    """The guard inputs to apply ``plan`` with: recomputed (``replan.guards``), after
    refusing a stale plan, one from another version of the policy, one with empty or
    differing tenant fields and one that asks for writes the repository does not."""
    check_stale(plan, tenant)
    problems = file_problems(plan, repository_hash, replan)
    if problems:
        raise refusal(problems)
    return replan.guards
