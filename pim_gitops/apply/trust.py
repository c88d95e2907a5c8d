"""A saved plan file is untrusted input: it may have been edited between ``plan --out`` and
``apply``. What it may still decide is which of the writes the policy repository asks for
are made. Everything else is the repository's own plan against the live read: the values
each write sends, its phase, its labels, and the guard inputs (break-glass ids, apply
identity, declared tenant). A file whose values differ from that plan is refused."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pim_gitops.apply.alerts import alerts_in_effect
from pim_gitops.apply.guards import refusal
from pim_gitops.apply.stale import check_stale
from pim_gitops.apply.verify import already_in_effect
from pim_gitops.diff import same_instant
from pim_gitops.plan import GuardFacts, Operation, Plan, RulePatch, ScheduleRequest
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


def same_values(mine: Operation, theirs: Operation) -> bool:
    """Does the file's write send what the repository's plan would (instants within the
    differ's tolerance: a plan made minutes apart computes ``duration:`` ends apart)?"""
    if isinstance(mine, RulePatch) and isinstance(theirs, RulePatch):
        return mine.want == theirs.want and mine.phase == theirs.phase
    if isinstance(mine, ScheduleRequest) and isinstance(theirs, ScheduleRequest):
        return (
            mine.phase == theirs.phase
            and mine.duration == theirs.duration
            and same_instant(mine.start, theirs.start)
            and (mine.duration is not None or same_instant(mine.end, theirs.end))
        )
    return False


def altered(plan: Plan, replan_ops: Sequence[Operation]) -> list[str]:
    """The file's writes whose values or phase differ from the repository's plan."""
    by_signature = {signature(op): op for op in replan_ops}
    return [
        op.label
        for op in plan.operations
        if signature(op) in by_signature and not same_values(op, by_signature[signature(op)])
    ]


def trusted_plan(plan: Plan, replan: Plan) -> Plan:
    """The repository's own operations (values, phases, labels) for the writes the file
    chose, in the repository plan's order; its changes for those addresses; its alert and
    access-review writes (bodies recomputed) for the alerts and reviews the file chose (a
    review by name and action: a file that only updates a review never deletes it)."""
    chosen = {signature(op) for op in plan.operations}
    operations = tuple(op for op in replan.operations if signature(op) in chosen)
    addresses = {a for op in operations for a in op.addresses}
    changes = tuple(c for c in replan.changes if c.address in addresses)
    alerts = {(w.alert, w.configuration_id) for w in plan.alert_writes}
    alert_writes = tuple(w for w in replan.alert_writes if (w.alert, w.configuration_id) in alerts)
    shown = {a for w in alert_writes for a in w.addresses}
    alert_changes = tuple(c for c in replan.alert_changes if c.address in shown)
    reviews = {(w.review, w.action) for w in plan.review_writes}
    review_writes = tuple(w for w in replan.review_writes if (w.review, w.action) in reviews)
    named = {w.review for w in review_writes}
    review_changes = tuple(c for c in replan.review_changes if c.review in named)
    return replan.model_copy(
        update={
            "operations": operations,
            "changes": changes,
            "alert_writes": alert_writes,
            "alert_changes": alert_changes,
            "review_writes": review_writes,
            "review_changes": review_changes,
        }
    )


def identity_problems(
    plan: Plan, repository_hash: str, replan: Plan, directory: str | None = None
) -> list[str]:
    """Why a plan file was not made from this repository for its tenant: another version of
    the policy, no tenant id, another declared tenant. Checked even when it is in effect.
    ``directory``: the policy directory apply compared with (``--policy``), named with the
    way out (a plan made from another directory is refused here)."""
    problems = []
    if not plan.desired_hash or plan.desired_hash != repository_hash:
        where = f" {directory}" if directory else ""
        fix = "make a new plan from this repository"
        if directory:
            fix += ", or name the directory the plan was made from with `--policy DIR`"
        problems.append(
            "untrusted-plan: this plan was made from another version of the policy "
            f"(plan {plan.desired_hash or 'no desired_hash'}, repository{where} "
            f"{repository_hash}); {fix}"
        )
    if not plan.tenant_id:
        problems.append("untrusted-plan: the plan names no tenant (tenant_id is empty)")
    if plan.guards.tenant != replan.guards.tenant:
        problems.append(
            f"untrusted-plan: the plan declares tenant {plan.guards.tenant!r}, the policy "
            f"repository {replan.guards.tenant!r}"
        )
    return problems


def file_problems(
    plan: Plan, repository_hash: str, replan: Plan, directory: str | None = None
) -> list[str]:
    """Why a plan file must not be applied with the repository (and the live read) that
    ``replan`` was made from."""
    problems = identity_problems(plan, repository_hash, replan, directory)
    extra = unrequested(plan, replan.operations)
    if extra and not problems:
        problems.append(
            "untrusted-plan: the plan file asks for writes the policy repository does not: "
            + ", ".join(extra)
        )
    changed = altered(plan, replan.operations)
    if changed and not problems:
        problems.append(
            "untrusted-plan: the plan file's values or phases differ from what the policy "
            "repository asks for (edited after `plan --out`?): " + ", ".join(changed)
        )
    return problems


def trusted_facts(
    plan: Plan,
    repository_hash: str,
    replan: Plan,
    tenant: TenantState,
    directory: str | None = None,
) -> GuardFacts:
    """The guard inputs to apply ``plan`` with: recomputed (``replan.guards``), after
    refusing a stale plan, one from another version of the policy, one with empty or
    differing tenant fields, one that asks for writes the repository does not, and one
    whose values differ from the repository's."""
    check_stale(plan, tenant)
    problems = file_problems(plan, repository_hash, replan, directory)
    if problems:
        raise refusal(problems)
    return replan.guards


def in_effect_and_trusted(
    plan: Plan,
    repository_hash: str,
    replan: Plan,
    tenant: TenantState,
    directory: str | None = None,
) -> bool:
    """Is ``plan`` a file made from this repository for this tenant whose every write the
    tenant already shows (applied before: nothing to do)? A file that is not is refused
    (``identity_problems``) before anything is said about it being in effect."""
    problems = identity_problems(plan, repository_hash, replan, directory)
    if problems:
        raise refusal(problems)
    return (
        plan.tenant_id == tenant.tenant_id
        and already_in_effect(plan, tenant)
        and alerts_in_effect(plan.alert_writes, tenant)
    )
