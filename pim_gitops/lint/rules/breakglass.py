"""GEN001: the emergency access (break-glass) accounts, as Microsoft's "Manage emergency
access accounts in Microsoft Entra ID" and CIS 1.1.2 describe them, in both views."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from pim_gitops.errors import Location
from pim_gitops.lint.engine import Finding, LintContext
from pim_gitops.lint.registry import integer, rule
from pim_gitops.lint.rules.views import Holder, ga_where, holders, template_of
from pim_gitops.roles import GLOBAL_ADMINISTRATOR
from pim_gitops.state import Principal
from pim_gitops.wording import plural

GA = "Global Administrator"
Controls = tuple[str, ...]
CIS_112: Controls = ("CIS 1.1.2",)
#: CIS 1.1.2: "Ensure two emergency access accounts have been defined".
CIS_ACCOUNTS = 2
NO_CONTROL: Controls = ()


def on_onmicrosoft(upn: str) -> bool:
    """The UPN is on a ``*.onmicrosoft.com`` domain (the tenant's initial domain)."""
    return upn.rpartition("@")[2].lower().endswith(".onmicrosoft.com")


def _upn(ref: str, p: Principal | None) -> str | None:
    if p is not None:
        return p.user_principal_name
    kind, _, value = ref.partition(":")
    return value if kind == "user" and "@" in value else None


def _where(ctx: LintContext, index: int) -> Location:
    """Policy view: the account's line under ``break_glass:``; posture: Global
    Administrator's role file, or the tenant file."""
    if ctx.view == "posture":
        return ga_where(ctx)
    return ctx.desired.break_glass_location(index)


def _kind_problem(ref: str, p: Principal | None) -> str | None:
    if p is None:
        kind = ref.partition(":")[0]
        return {"group": "group", "sp": "service principal"}.get(kind)
    if p.type != "user":
        return {"servicePrincipal": "service principal"}.get(p.type, p.type)
    return "guest" if p.user_type == "Guest" else None


def _about(ctx: LintContext, ref: str, where: Location) -> Callable[[str, Controls], Finding]:
    """A finding about break-glass account ``ref``: ``say(text, controls)``."""

    def say(text: str, controls: Controls) -> Finding:
        message = f"break-glass account {ref} {text}"
        return ctx.finding(message, where, role=GA, principal=ref, controls=controls)

    return say


def _account(ctx: LintContext, ref: str, p: Principal | None, where: Location) -> Iterator[Finding]:
    """What the account itself must be: a member user, enabled, cloud-only, on
    ``*.onmicrosoft.com``."""
    say = _about(ctx, ref, where)
    kind = _kind_problem(ref, p)
    if kind is not None:
        yield say(f"must be a member user, not a {kind}", NO_CONTROL)
    upn = _upn(ref, p)
    if upn is not None and not on_onmicrosoft(upn):
        yield say("must use the tenant's *.onmicrosoft.com domain, not the organization's", CIS_112)
    if p is None:
        return
    if p.on_premises_sync_enabled or p.on_premises_immutable_id:
        yield say("must be cloud-only (it is synced or federated from on-premises)", CIS_112)
    if p.account_enabled is False:
        yield say("is disabled", NO_CONTROL)


def _ga_rows(ctx: LintContext, p: Principal | None, ref: str) -> list[Holder]:
    return [
        h
        for h in holders(ctx)
        if template_of(ctx, h.role_id) == GLOBAL_ADMINISTRATOR
        and (
            h.ref.lower() == ref.lower()
            or (p is not None and h.principal is not None and h.principal.id == p.id)
        )
    ]


def _standing(
    ctx: LintContext, ref: str, p: Principal | None, where: Location
) -> Iterator[Finding]:
    """Global Administrator held as a permanent active assignment, through PIM."""
    rows = _ga_rows(ctx, p, ref)
    policy = ctx.view == "policy"
    say = _about(ctx, ref, where)
    if not rows:
        held = "is not assigned Global Administrator" + (" in the role file" if policy else "")
        yield say(held, CIS_112)
        return
    standing = [h for h in rows if h.kind == "active" and h.permanent]
    if not standing:
        yield say(
            "holds Global Administrator only as eligible or time-bound; make it a permanent "
            "active assignment",
            NO_CONTROL,
        )
    elif all(h.outside_pim for h in standing):
        yield say(
            "holds Global Administrator outside PIM (no schedule); make it a permanent "
            "active assignment in PIM",
            NO_CONTROL,
        )


def _count(ctx: LintContext, resolved: int) -> Iterator[Finding]:
    declared = ctx.desired.break_glass
    source = ctx.desired.tenant_source
    where = source.key(("break_glass",)) if source else Location(ctx.desired.tenant_file, 1, 1)
    if ctx.view == "posture":
        if resolved < CIS_ACCOUNTS:
            yield ctx.finding(
                f"{plural(resolved, 'declared break-glass account')} "
                f"{'exists' if resolved == 1 else 'exist'} in the tenant; "
                f"at least {CIS_ACCOUNTS} are needed",
                ga_where(ctx),
                role=GA,
                controls=CIS_112,
            )
        return
    expected = ctx.integer("count")
    if len(declared) != expected:
        yield ctx.finding(
            f"{plural(len(declared), 'break-glass account')} declared; exactly {expected} expected",
            where,
            role=GA,
            controls=CIS_112 if len(declared) < CIS_ACCOUNTS else NO_CONTROL,
        )


def _lookalikes(ctx: LintContext, declared: set[str]) -> Iterator[Finding]:
    """Posture: live permanent active Global Administrators that have every mark of an
    emergency access account but are not declared as one."""
    for h in holders(ctx):
        p = h.principal
        if (
            template_of(ctx, h.role_id) != GLOBAL_ADMINISTRATOR
            or not (h.kind == "active" and h.permanent)
            or p is None
            or p.id in declared
            or _kind_problem(h.ref, p) is not None
            or p.on_premises_sync_enabled
            or p.on_premises_immutable_id
            or not on_onmicrosoft(p.user_principal_name or "")
        ):
            continue
        yield _lookalike(ctx, h)


def _lookalike(ctx: LintContext, h: Holder) -> Finding:
    return ctx.finding(
        f"{h.ref} holds Global Administrator permanently and looks like a break-glass "
        "account (cloud-only, *.onmicrosoft.com) but is not declared under break_glass:; "
        "declare it, or make its assignment eligible",
        h.where,
        role=GA,
        principal=h.ref,
        controls=NO_CONTROL,
        severity="info",
    )


# long: the docstring is the rule's documentation page; the body is 20 lines
def break_glass_accounts(ctx: LintContext) -> Iterator[Finding]:
    """Exactly two cloud-only break-glass accounts hold Global Administrator permanently

    ## What it checks

    `break_glass:` declares exactly `count` (2) emergency access accounts, and each one:

    - is a member user (not a guest, a group or a service principal), enabled;
    - is cloud-only: neither `onPremisesSyncEnabled` nor `onPremisesImmutableId` is set;
    - has its UPN on the tenant's `*.onmicrosoft.com` domain;
    - holds Global Administrator as a permanent active assignment: in the policy view,
      declared so in Global Administrator's role file; in the posture view, live, through
      PIM (a schedule, not a direct assignment).

    In the posture view it also counts the declared accounts that exist in the tenant (at
    least two), and names, as info, a live permanent active Global Administrator that has
    every mark of an emergency account (a cloud-only member user on `*.onmicrosoft.com`)
    but is not declared (an undeclared standing Global Administrator is otherwise ASG001's
    finding; while no `break_glass:` is declared at all, apply's undeclared-break-glass
    guard treats every such holder as a possible emergency account).

    The member-user, enabled and cloud-only checks read the tenant: without a tenant view
    (`--snapshot` or `--live`) only the count, the domain of a `user:` UPN, the kind of a
    `group:`/`sp:` reference and the role file are checked, and GEN001 is listed under
    `skipped`.

    CIS 1.1.2 is carried by the findings that are that control: fewer than two accounts,
    not on `*.onmicrosoft.com`, not cloud-only, not assigned Global Administrator. The
    rest (member user, enabled, permanent active, exactly `count`) is Microsoft's guidance.

    ## Why

    Microsoft, "Manage emergency access accounts in Microsoft Entra ID"
    (https://learn.microsoft.com/entra/identity/role-based-access-control/security-emergency-access):

    > Create two or more emergency access accounts. These accounts should be cloud-only
    > accounts that use the \\*.onmicrosoft.com domain and that aren't federated or
    > synchronized from an on-premises environment.

    > In Microsoft Entra Privileged Identity Management, you should make the Global
    > Administrator role assignment active permanent rather than eligible for your
    > emergency access accounts.

    CIS 1.1.2 (v5.0.0), "Ensure two emergency access accounts have been defined", audit:

    > The accounts use the default .onmicrosoft.com domain and not the organization's.
    > The accounts are cloud-only. ... The accounts are assigned the Global Administrator
    > directory role.

    When PIM, MFA or federation fail, or every approver is gone, these accounts are the
    way back into the tenant; a synced or federated account fails with on-premises.

    ## How to fix

    Declare two accounts under `break_glass:`, each a cloud-only member user on
    `*.onmicrosoft.com`, and give each a permanent active Global Administrator assignment
    in the role file.

    ## Example

    ```yaml
    # pim.yaml
    tenant: contoso.onmicrosoft.com
    break_glass: [user:bg1@contoso.onmicrosoft.com, user:bg2@contoso.com]
    ```

    ```yaml
    # roles/global-administrator.yaml
    role: Global Administrator
    active_assignment: {allow_permanent: true}
    assignments:
      active:
        - {principal: user:bg1@contoso.onmicrosoft.com, permanent: true, justification: bg}
        - {principal: user:bg2@contoso.com, permanent: true, justification: bg}
    ```

    ## Use instead

    ```yaml
    # pim.yaml
    tenant: contoso.onmicrosoft.com
    break_glass: [user:bg1@contoso.onmicrosoft.com, user:bg2@contoso.onmicrosoft.com]
    ```

    ```yaml
    # roles/global-administrator.yaml
    role: Global Administrator
    active_assignment: {allow_permanent: true}
    assignments:
      active:
        - {principal: user:bg1@contoso.onmicrosoft.com, permanent: true, justification: bg}
        - {principal: user:bg2@contoso.onmicrosoft.com, permanent: true, justification: bg}
    ```
    """
    declared = ctx.desired.break_glass
    ids: set[str] = set()
    for index, ref in enumerate(declared):
        p = ctx.principal(ref)
        where = _where(ctx, index)
        if p is None and ctx.tenant is not None:
            yield _about(ctx, ref, where)("was not found in the tenant", CIS_112)
            continue
        if p is not None:
            ids.add(p.id)
        yield from _account(ctx, ref, p, where)
        yield from _standing(ctx, ref, p, where)
    yield from _count(ctx, len(ids))
    if ctx.view == "posture":
        yield from _lookalikes(ctx, ids)


rule(
    code="GEN001",
    name="break-glass-accounts",
    severity="error",
    cis=("1.1.2",),
    options=(integer("count", 2, "How many break-glass accounts are declared, exactly."),),
    needs_tenant_for=(
        "the member-user, enabled and cloud-only checks (and the domain of an account "
        "named by object id)"
    ),
)(break_glass_accounts)
