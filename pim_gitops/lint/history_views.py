"""What the HIS rules (``rules/history.py``) see of the tenant's request history
(``TenantState.history``, ``history.RequestHistory``): the activations of the window read,
named as a person reads them. Posture view only, and only when the history was read
(``None``: not read, e.g. ``report``/``lint`` without ``--since``): a history not read is
"not checked", never a pass."""

from __future__ import annotations

from collections.abc import Iterator

from pim_gitops.history import RequestRecord
from pim_gitops.lint.engine import Finding, LintContext
from pim_gitops.targets import parse_group_target
from pim_gitops.wire import format_instant

#: Graph's statuses of a request that was granted (the access was, or is being, given).
GRANTED = frozenset({"Granted", "PendingProvisioning", "Provisioned", "ScheduleCreated", "Revoked"})
#: Statuses of a request that gave nothing: not judged for its ticket or justification.
REFUSED = frozenset({"Canceled", "Denied", "Failed"})

#: ``Rule.applies_words`` of the HIS rules.
JUDGED_WHEN = (
    "the request history is judged when it was read (`report --since` / `snapshot --since`: "
    "TenantState.history)"
)


def has_history(ctx: LintContext) -> bool:
    """``Rule.applies`` of the HIS rules: the posture view has a history to judge."""
    return ctx.view == "posture" and ctx.tenant is not None and ctx.tenant.history is not None


def activations(
    ctx: LintContext, statuses: frozenset[str] | None = None, *, every: bool = False
) -> list[RequestRecord]:
    """The activation requests (``selfActivate``/``selfExtend``/``selfRenew``) of the window,
    oldest first (ties by id); only those of ``statuses`` when given, all with
    ``every``, else every one that was not refused."""
    history = ctx.tenant.history if ctx.tenant is not None else None
    if history is None:
        return []
    found = [
        r
        for r in history.requests
        if r.is_activation
        and (every or (r.status in statuses if statuses is not None else r.status not in REFUSED))
    ]
    return sorted(found, key=lambda r: (r.created, r.id))


def role_name(ctx: LintContext, record: RequestRecord) -> str:
    """The role's display name, or ``group "<name>" member`` for a PIM-for-Groups target."""
    return target_name(ctx, record.role_id)


def target_name(ctx: LintContext, target: str) -> str:
    """A role id's display name, or ``group "<name>" member`` for a group target."""
    group = parse_group_target(target)
    if group is None:
        return ctx.role_named(target)
    found = ctx.tenant.principals.get(group[0]) if ctx.tenant is not None else None
    return f'group "{found.display_name if found else group[0]}" {group[1]}'


def who(ctx: LintContext, principal_id: str | None) -> str:
    """How a policy file names the principal (``user:alice@contoso.com``), else its id."""
    if not principal_id:
        return "someone unknown"
    found = ctx.tenant.principals.get(principal_id) if ctx.tenant is not None else None
    return found.reference if found is not None else principal_id


#: Why a PIM-for-Groups request's approval is unknown: group approvals are not read.
GROUP_APPROVALS_GAP = "the approvals of PIM-for-Groups requests are not read"


def request_words(ctx: LintContext, record: RequestRecord) -> str:
    """``user:alice@contoso.com activated Global Administrator at 2026-11-20T14:03:00Z``."""
    verb = {"selfExtend": "extended", "selfRenew": "renewed"}.get(record.action, "activated")
    return (
        f"{who(ctx, record.principal_id)} {verb} {role_name(ctx, record)} at "
        f"{format_instant(record.created)} (status {record.status})"
    )


def approvals_gap(ctx: LintContext) -> str | None:
    """Why the approvals were not read (a gap of the history whose collection names
    approvals), or ``None`` when they were."""
    history = ctx.tenant.history if ctx.tenant is not None else None
    if history is None:
        return None
    found = [why for what, why in history.gaps if "approval" in what.casefold()]
    return "; ".join(found) if found else None


def activations_gap(ctx: LintContext) -> str | None:
    """Why the role assignment requests (where activations are) could not be listed: a
    gap of the history naming ``roleAssignmentScheduleRequests``; ``None`` when listed."""
    history = ctx.tenant.history if ctx.tenant is not None else None
    if history is None:
        return None
    found = [
        why
        for what, why in history.gaps
        if "assignmentschedulerequest" in what.casefold() and "approval" not in what.casefold()
    ]
    return "; ".join(found) if found else None


def unread_activations(ctx: LintContext) -> Iterator[Finding]:
    """One warning when the activations could not be listed: the rule judged nothing."""
    gap = activations_gap(ctx)
    if gap is not None:
        yield ctx.finding(
            f"the tenant's activation requests could not be listed ({gap}): activations are "
            "not judged",
            ctx.tenant_location(),
            severity="warning",
        )
