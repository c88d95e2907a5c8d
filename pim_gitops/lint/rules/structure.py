"""GEN, structure: unresolved principals, roles whose live policy cannot be judged, and the
waivers themselves (GEN004, GEN005 run in the waivers phase, over how each waiver was used).
GEN001 is in ``breakglass.py``."""

from __future__ import annotations

from collections.abc import Iterator

from pim_gitops.lint.engine import Finding, LintContext
from pim_gitops.lint.privileged import SCUBA_HIGHLY_PRIVILEGED
from pim_gitops.lint.registry import rule
from pim_gitops.lint.rules.views import privileged, subjects, template_of
from pim_gitops.model import Waiver


# long: the docstring is the rule's documentation page; the body is 18 lines
def unresolved_principal(ctx: LintContext) -> Iterator[Finding]:
    """Every principal named exists in the tenant

    ## What it checks

    Every assignment's principal and every approver resolves to an object of the tenant.

    ## Why

    A reference that does not resolve cannot be assigned or approve; apply would fail.

    ## How to fix

    Fix the UPN, group name or appId, or create the principal first.

    ## Example

    ```yaml
    # roles/exchange-administrator.yaml
    role: Exchange Administrator
    assignments:
      eligible:
        - {principal: user:alice@contso.com, start: 2026-11-24, duration: P90D, justification: mail}
    ```

    ```yaml
    # tenant
    users: {alice@contoso.com: {}}
    ```

    ## Use instead

    ```yaml
    # roles/exchange-administrator.yaml
    role: Exchange Administrator
    assignments:
      eligible:
        - principal: user:alice@contoso.com
          start: 2026-11-24
          duration: P90D
          justification: mail
    ```

    ```yaml
    # tenant
    users: {alice@contoso.com: {}}
    ```
    """
    assert ctx.resolver is not None
    for role in ctx.desired.roles:
        role_id = ctx.role_id(role)
        name = ctx.role_named(role_id) if role_id else role.ref.label  # custom: display name
        for item in role.assignments:
            found = ctx.resolver.principal(item.principal)
            if isinstance(found, str):
                yield ctx.finding(found, item.location, role=name, principal=item.principal)
        for ref in role.settings.activation.approvers:
            found = ctx.resolver.principal(ref)
            if isinstance(found, str):
                yield ctx.finding(
                    f"approver {found}",
                    role.source_of("activation.approval"),
                    role=name,
                    principal=ref,
                )


rule(
    code="GEN002",
    name="unresolved-principal",
    severity="error",
    needs_tenant=True,
    views=("policy",),
)(unresolved_principal)


def _covering(w: Waiver, role: str | None) -> str:
    """What a waiver is of, in words: ``ACT001 for Global Reader, user:a@contoso.com``."""
    about = [x for x in (role, w.principal) if x]
    return w.rule + (f" for {', '.join(about)}" if about else "")


def expired_waiver(ctx: LintContext) -> Iterator[Finding]:
    """Waivers have not expired

    ## What it checks

    No waiver's `expires:` date is before today (a waiver still holds on its expiry date).
    An expired waiver covers nothing: the findings it named count again.

    ## Why

    An accepted exception is accepted until a date; after it, the finding counts again.

    ## How to fix

    Fix the finding, or renew the waiver with a new reason and date.

    ## Example

    ```yaml
    # roles/exchange-administrator.yaml
    role: Exchange Administrator
    activation: {max_duration: PT12H}
    waivers:
      - {rule: ACT002, reason: night shift migration, expires: 2025-01-01}
    ```

    ## Use instead

    ```yaml
    # roles/exchange-administrator.yaml
    role: Exchange Administrator
    activation: {max_duration: PT12H}
    waivers:
      - {rule: ACT002, reason: night shift until Q1, expires: 2027-03-31}
    ```
    """
    for use in ctx.waivers:
        if use.expired:
            w = use.waiver
            yield ctx.finding(
                f"the waiver of {_covering(w, use.role)} ({w.reason!r}) expired on "
                f"{w.expires}; renew it or fix the finding",
                use.where,
                role=use.role,
            )


rule(code="GEN004", name="expired-waiver", severity="warning", phase="waivers")(expired_waiver)


def unused_waiver(ctx: LintContext) -> Iterator[Finding]:
    """Every waiver matches a finding

    ## What it checks

    Every waiver that has not expired covers at least one finding (of its rule, role and
    principal).

    ## Why

    A waiver that matches nothing hides nothing and misleads readers; it may also hide a
    future finding nobody has reviewed.

    ## How to fix

    Remove the waiver.

    ## Example

    ```yaml
    # roles/exchange-administrator.yaml
    role: Exchange Administrator
    activation: {max_duration: PT2H}
    waivers:
      - {rule: ACT002, reason: night shift migration, expires: 2027-03-31}
    ```

    ## Use instead

    ```yaml
    # roles/exchange-administrator.yaml
    role: Exchange Administrator
    activation: {max_duration: PT2H}
    ```
    """
    for use in ctx.waivers:
        if not use.expired and not use.used and use.judged:
            w = use.waiver
            yield ctx.finding(
                f"the waiver of {_covering(w, use.role)} ({w.reason!r}) matches no finding; "
                "remove it",
                use.where,
                role=use.role,
            )


rule(code="GEN005", name="unused-waiver", severity="warning", phase="waivers")(unused_waiver)


def _must_judge(ctx: LintContext, role_id: str) -> bool:
    """A role whose unread policy blocks: the configured privileged set and, whatever that
    set is, SCuBA's eight (7.6 and 7.8 are about Global Administrator's policy)."""
    return privileged(ctx, role_id) or template_of(ctx, role_id) in SCUBA_HIGHLY_PRIVILEGED


# long: the docstring is the rule's documentation page
def unjudged_role(ctx: LintContext) -> Iterator[Finding]:
    """Every role the posture judges has a policy that could be read

    ## What it checks

    In the posture view, every role that is managed, held, privileged or one of SCuBA's
    eight has a PIM policy the reader could read. One that has none (Graph refused it, or
    the tenant has no policy linked to the role) cannot be judged: an error for a role of
    the privileged set or of SCuBA's eight, a warning for the others; the reason the reader
    recorded is in the message. Request collections that could not be listed are a warning
    too: the assignments that start later or await approval are then not judged.

    ## Why

    A posture that skipped the roles it could not read would pass them: the settings rules
    (activation, approval, alerts) say nothing about a role whose settings are unknown. The
    tool fails closed: "not judged" is a finding, not a pass.

    ## How to fix

    Grant the reader `RoleManagementPolicy.Read.Directory` (docs/permissions.md) and read
    again; if the tenant really has no policy for the role, open PIM's settings of the role
    once in the portal (Entra creates it).

    ## Example

    ```yaml
    # pim.yaml
    tenant: contoso.onmicrosoft.com
    ```

    ```yaml
    # tenant
    policies:
      Global Administrator: null
    ```

    ## Use instead

    ```yaml
    # pim.yaml
    tenant: contoso.onmicrosoft.com
    ```

    ```yaml
    # tenant
    policies: {}
    ```
    """
    assert ctx.tenant is not None
    for subject in subjects(ctx, also=SCUBA_HIGHLY_PRIVILEGED):
        if subject.settings is not None:
            continue
        reason = ctx.tenant.policy_errors.get(subject.role_id, "no PIM policy found")
        yield ctx.finding(
            f"{subject.name}: the role's PIM policy could not be read ({reason}); its "
            "settings are not judged",
            subject.where,
            role=subject.name,
            severity="error" if _must_judge(ctx, subject.role_id) else "warning",
        )
    for collection, why in sorted(ctx.tenant.unlisted_requests.items()):
        yield ctx.finding(
            f"the tenant's {collection} could not be listed ({why}): assignments that start "
            "later or await approval are not judged",
            ctx.tenant_location(),
            severity="warning",
        )


rule(
    code="GEN003",
    name="unjudged-role",
    severity="error",
    needs_tenant=True,
    views=("posture",),
)(unjudged_role)
