"""HIS: the tenant's request history (``history_views.py`` says what the rules see):
activations whose ticket does not match the organisation's pattern (HIS001), activations of
roles that require approval with no approval on record (HIS002), activations without a
justification (HIS003)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime

from pim_gitops.history import RequestRecord
from pim_gitops.lint.engine import Finding, LintContext
from pim_gitops.lint.history_views import (
    GRANTED,
    GROUP_APPROVALS_GAP,
    JUDGED_WHEN,
    activations,
    approvals_gap,
    has_history,
    request_words,
    role_name,
    target_name,
    unread_activations,
    who,
)
from pim_gitops.lint.registry import pattern, rule
from pim_gitops.targets import is_group
from pim_gitops.wire import parse_instant
from pim_gitops.wording import plural

TICKET_PATTERN = "ticket_pattern"


def ticket_pattern(ctx: LintContext) -> re.Pattern[str] | None:
    """The configured ``ticket_pattern`` (validated by ``lint.config``), or ``None``."""
    value = ctx.options.get(TICKET_PATTERN, ctx.rule.option(TICKET_PATTERN).default)
    return re.compile(value) if isinstance(value, str) and value else None


def _ticket_judged(ctx: LintContext) -> bool:
    return has_history(ctx) and ticket_pattern(ctx) is not None


def _requires_ticket(ctx: LintContext, record: RequestRecord) -> bool:
    policy = ctx.tenant.policy_of(record.role_id) if ctx.tenant is not None else None
    return policy is not None and policy.settings.activation.require_ticket


# long: the docstring is the rule's documentation; the code is short
def ticket_not_matching(ctx: LintContext) -> Iterator[Finding]:
    """An activation's ticket number matches the organisation's ticket pattern

    ## What it checks

    Posture view, when the request history was read and `ticket_pattern` is set: every
    activation request (`selfActivate`, `selfExtend`, `selfRenew`) of the window, whatever
    became of it (a denied one too: the message gives its status), carries a ticket
    number that the pattern matches (Python's
    `re.search`: anchor it with `^…$` to match the whole number). An activation without a
    ticket number is reported when the role's policy requires one (`activation.require:
    [ticket]`); roles that do not ask for a ticket are not judged for a missing one.
    Without `ticket_pattern` the rule judges nothing (it is listed as not checked). When
    the role assignment requests could not be listed the rule says so (a warning), never a
    pass.

    ## Why

    The users' request workflow: approvers "check if the ticket number matches an actual
    change request". Entra takes any text as a ticket number; `see slack` or `n/a` is
    accepted and names no change. An auditor asking "why" needs a
    ticket the change system knows.

    ## How to fix

    Follow up with the person who activated and tell requesters the ticket format. To have
    the ticket checked before the activation is granted, require approval (approvers check
    it) or a custom extension that asks the ticket system.

    ## Example

    ```yaml
    # pim.yaml
    tenant: contoso.onmicrosoft.com
    lint:
      rules:
        HIS001: {options: {ticket_pattern: "^CHG[0-9]+$"}}
    ```

    ```yaml
    # tenant
    users: {alice@contoso.com: {}}
    history:
      requests:
        - {role: Global Administrator, principal: user:alice@contoso.com,
           days_ago: 2, justification: Rotate the tenant certificate, ticket: see slack}
    ```

    ## Use instead

    ```yaml
    # pim.yaml
    tenant: contoso.onmicrosoft.com
    lint:
      rules:
        HIS001: {options: {ticket_pattern: "^CHG[0-9]+$"}}
    ```

    ```yaml
    # tenant
    users: {alice@contoso.com: {}}
    history:
      requests:
        - {role: Global Administrator, principal: user:alice@contoso.com,
           days_ago: 2, justification: Rotate the tenant certificate, ticket: CHG0012345}
    ```
    """
    wanted = ticket_pattern(ctx)
    if wanted is None:
        return
    yield from unread_activations(ctx)
    for record in activations(ctx, every=True):
        ticket = (record.ticket_number or "").strip()
        if not ticket and not _requires_ticket(ctx, record):
            continue
        if ticket and wanted.search(ticket):
            continue
        words = (
            f'with ticket "{ticket}", which does not match {wanted.pattern}'
            if ticket
            else "with no ticket number, which the role requires"
        )
        yield ctx.finding(
            f"{request_words(ctx, record)} {words}",
            ctx.tenant_location(record.role_id),
            role=role_name(ctx, record),
            principal=who(ctx, record.principal_id),
        )


rule(
    applies=_ticket_judged,
    applies_words=JUDGED_WHEN + " and `ticket_pattern` is set",
    code="HIS001",
    name="ticket-not-matching-pattern",
    severity="warning",
    views=("posture",),
    options=(
        pattern(
            TICKET_PATTERN,
            None,
            "The ticket numbers of your change system, e.g. `^CHG[0-9]+$`; none: the "
            "rule judges nothing.",
        ),
    ),
)(ticket_not_matching)


def _requires_approval(ctx: LintContext, record: RequestRecord) -> bool:
    policy = ctx.tenant.policy_of(record.role_id) if ctx.tenant is not None else None
    return policy is not None and policy.settings.activation.approval_required


def policy_changed(ctx: LintContext, role_id: str) -> datetime | None:
    """When the role's policy was last changed (``lastModifiedDateTime``), if Graph says."""
    policy = ctx.tenant.policy_of(role_id) if ctx.tenant is not None else None
    try:
        return parse_instant(policy.last_modified) if policy and policy.last_modified else None
    except ValueError:
        return None


def _before_change(ctx: LintContext, earlier: dict[str, list[str]]) -> Iterator[Finding]:
    for role_id, ids in sorted(earlier.items()):
        name, changed = target_name(ctx, role_id), policy_changed(ctx, role_id)
        when = changed.date().isoformat() if changed else "?"
        yield ctx.finding(
            f"{name}: {plural(len(ids), 'granted activation')} made before its policy last "
            f"changed ({when}) not judged: today's policy may not have applied to them",
            ctx.tenant_location(role_id),
            role=name,
            severity="info",
        )


def _approval_problem(record: RequestRecord, gap: str | None) -> str | None:
    """Why the record shows no approval (``None``: approved); ``"unknown"`` when the
    approvals were not read."""
    if record.approval and any(s.result == "Approve" for s in record.approval):
        return None
    if record.approval_id is None:
        return "no approval on record (the request has no approval)"
    if not record.approval:
        if gap is not None:
            return "unknown"
        return f"no approval on record (approval {record.approval_id} not found)"
    results = ", ".join(sorted({s.result for s in record.approval}))
    return f"no approval on record (its approval steps: {results})"


def _unknown_findings(
    ctx: LintContext, unknown: dict[str, list[str]], gap: str
) -> Iterator[Finding]:
    history = ctx.tenant.history if ctx.tenant is not None else None
    since = f" since {history.since.date().isoformat()}" if history is not None else ""
    for role_id, ids in sorted(unknown.items()):
        name = target_name(ctx, role_id)
        yield ctx.finding(
            f"{name}: whether its {plural(len(ids), 'granted activation')}{since} were "
            f"approved is unknown: {gap}",
            ctx.tenant_location(role_id),
            role=name,
            severity="info",
        )


# long: the docstring is the rule's documentation; the code is short
def activation_without_approval(ctx: LintContext) -> Iterator[Finding]:
    """A granted activation of a role that requires approval has an approval on record

    ## What it checks

    Posture view, when the request history was read: every granted activation of the
    window (status Provisioned, Granted, ScheduleCreated, PendingProvisioning or Revoked) of
    a role whose policy, as read now, requires approval (`activation.approval.required`)
    has an approval with at least one `Approve` step. Reported: a request without an
    approval id, an approval that was read but not found, or an approval whose steps hold
    no `Approve`. When the approvals were not read (`graph_beta` without `approvals`, or
    Graph refused them) the rule cannot tell: it reports, per role, how many activations
    are unknown (info), never a pass; when the role assignment requests could not be listed
    it says so (a warning).

    The policy is today's: an activation made before the policy's last change
    (`lastModifiedDateTime`) may have been granted under another policy, so it is not
    judged; the rule counts those per role (info).

    ## Why

    The issue's auditors ask "who approved". An activation that needed approval but has
    none on record was granted by something other than the approval the policy promises:
    a policy changed and changed back, an emergency path, or a record Graph no longer keeps.

    ## How to fix

    Find out how the activation was granted (the directory audit log);
    if the policy changed meanwhile, record why (a waiver with the reason, in the role's
    file or the lint baseline).

    ## Example

    ```yaml
    # tenant
    users: {alice@contoso.com: {}}
    policies:
      Global Administrator: {Approval_EndUser_Assignment: {setting: {isApprovalRequired: true}}}
    history:
      requests:
        - {role: Global Administrator, principal: user:alice@contoso.com, days_ago: 2,
           justification: Rotate the tenant certificate}
    ```

    ## Use instead

    ```yaml
    # tenant
    users: {alice@contoso.com: {}, carol@contoso.com: {}}
    policies:
      Global Administrator: {Approval_EndUser_Assignment: {setting: {isApprovalRequired: true}}}
    history:
      requests:
        - {role: Global Administrator, principal: user:alice@contoso.com, days_ago: 2,
           justification: Rotate the tenant certificate,
           approval: [{result: Approve, reviewer: user:carol@contoso.com}]}
    ```
    """
    yield from unread_activations(ctx)
    gap = approvals_gap(ctx)
    unknown: dict[str, list[str]] = defaultdict(list)
    earlier: dict[str, list[str]] = defaultdict(list)
    for record in activations(ctx, GRANTED):
        if not _requires_approval(ctx, record):
            continue
        changed = policy_changed(ctx, record.role_id)
        if changed is not None and record.created < changed:
            earlier[record.role_id].append(record.id)
            continue
        grouped = is_group(record.role_id)  # group approvals are not read: unknown
        problem = _approval_problem(record, GROUP_APPROVALS_GAP if grouped else gap)
        if problem == "unknown":
            unknown[record.role_id].append(record.id)
        elif problem is not None:
            yield ctx.finding(
                f"{request_words(ctx, record)}: the role requires approval, {problem}",
                ctx.tenant_location(record.role_id),
                role=role_name(ctx, record),
                principal=who(ctx, record.principal_id),
            )
    groups = {k: unknown.pop(k) for k in sorted(unknown) if is_group(k)}
    if gap is not None:
        yield from _unknown_findings(ctx, unknown, gap)
    yield from _unknown_findings(ctx, groups, GROUP_APPROVALS_GAP)
    yield from _before_change(ctx, earlier)


rule(
    applies=has_history,
    applies_words=JUDGED_WHEN,
    code="HIS002",
    name="activation-without-approval",
    severity="warning",
    views=("posture",),
)(activation_without_approval)


# long: the docstring is the rule's documentation; the code is short
def activation_without_justification(ctx: LintContext) -> Iterator[Finding]:
    """An activation has a justification

    ## What it checks

    Posture view, when the request history was read: every activation of the window that
    was not denied, canceled or failed has a justification that is not blank. When the
    role assignment requests could not be listed the rule says so (a warning), never a
    pass.

    ## Why

    The auditors' question is "who activated what, when, and why": the justification is
    the "why". Entra asks for one by default (`activation.require: [justification]`); a
    role whose policy does not leaves activations nobody can explain later.

    ## How to fix

    Require a justification on activation (`activation.require: [mfa, justification]`,
    ACT001 checks the policy) and follow up with the person who activated.

    ## Example

    ```yaml
    # tenant
    users: {alice@contoso.com: {}}
    history:
      requests:
        - {role: Global Administrator, principal: user:alice@contoso.com, days_ago: 2}
    ```

    ## Use instead

    ```yaml
    # tenant
    users: {alice@contoso.com: {}}
    history:
      requests:
        - {role: Global Administrator, principal: user:alice@contoso.com, days_ago: 2,
           justification: Rotate the tenant certificate}
    ```
    """
    yield from unread_activations(ctx)
    for record in activations(ctx):
        if (record.justification or "").strip():
            continue
        yield ctx.finding(
            f"{request_words(ctx, record)} without a justification",
            ctx.tenant_location(record.role_id),
            role=role_name(ctx, record),
            principal=who(ctx, record.principal_id),
        )


rule(
    applies=has_history,
    applies_words=JUDGED_WHEN,
    code="HIS003",
    name="activation-without-justification",
    severity="warning",
    views=("posture",),
)(activation_without_justification)
