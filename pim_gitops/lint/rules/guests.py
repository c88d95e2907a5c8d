"""ASG011: guests' and vendors' assignments end soon (a users' practice, no baseline id)."""

from __future__ import annotations

from collections.abc import Iterator

from pim_gitops.lint.engine import Finding, LintContext
from pim_gitops.lint.registry import duration, names, rule
from pim_gitops.lint.rules.views import Holder, holders, member_users
from pim_gitops.state import Principal
from pim_gitops.wire import format_duration, format_instant

#: The marker Entra puts in a guest's user principal name (``alice_fabrikam.com#EXT#@...``).
GUEST_MARKER = "#ext#"
#: ASG011's default window: the one-month grant the users give vendors.
OUTSIDER_MAX = "P30D"


def _users(ctx: LintContext, h: Holder) -> list[tuple[str, Principal | None, str]]:
    """The users behind a holder: (reference, principal when known, how it holds the role):
    itself, or each member user of a group the tenant lists the members of."""
    p = h.principal
    if p is None:
        kind = h.ref.partition(":")[0].lower()
        return [(h.ref, None, "")] if kind == "user" else []
    if p.type == "user":
        return [(h.ref, p, "")]
    if p.type != "group":
        return []
    return [(m.reference, m, f" (member of {h.ref})") for m in member_users(ctx, p)]


def outsider(ctx: LintContext, ref: str, user: Principal | None) -> str | None:
    """``"guest"`` or ``"vendor"`` for a user of either kind: a guest by its ``userType``
    (tenant view) or the ``#EXT#`` marker of its UPN (offline too); a vendor by a UPN in one
    of the domains of the option ``vendors`` (or a subdomain of one)."""
    upn = (user.user_principal_name or "") if user is not None else ref.partition(":")[2]
    upn = upn.casefold()
    if (user is not None and user.user_type == "Guest") or GUEST_MARKER in upn:
        return "guest"
    domain = upn.rpartition("@")[2]
    for vendor in ctx.names("vendors"):
        suffix = vendor.casefold().lstrip("@.")
        if domain == suffix or domain.endswith("." + suffix):
            return "vendor"
    return None


def assignment_length(ctx: LintContext, h: Holder) -> int | None:
    """How long the assignment lasts, in seconds (``None``: it never ends): the declared
    duration, else from its start (declared, or now when it starts on apply) to its end; a
    rolling grant (``renew: true``) never ends."""
    if h.renew:
        return None
    if h.duration is not None:
        return h.duration
    if h.end is None:
        return None
    return int((h.end - (h.start or ctx.now)).total_seconds())


def _span(h: Holder, length: int | None) -> str:
    """How long the holder holds the role, in words that do not depend on the run's clock
    (a waiver names its finding by text): its length when it has one of its own (a duration,
    or a start and an end), else the instant it ends (an `expires:` and no `start`)."""
    if length is None:
        return "with no end"
    if h.duration is None and h.start is None and h.end is not None:
        return f"until {format_instant(h.end)}"
    return f"for {format_duration(length)}"


# long: the docstring is the rule's documentation page (quoted control, tested examples)
def outsider_expiry(ctx: LintContext) -> Iterator[Finding]:
    """Guests' and vendors' assignments end within a month

    ## What it checks

    Every assignment, eligible or active, of any role to a guest or a vendor lasts at most
    `max` (P30D) from its start: exactly the limit passes, a day more fails, a permanent
    one fails, and so does a rolling one (`renew: true`: granted again whenever it lapses).
    Declared: its `duration`, or `expires` minus `start` (minus now when it starts on
    apply); live: the schedule's end minus its start. The finding words the length
    (`for P31D`), or the end (`until 2027-01-01T00:00:00Z`) when the assignment has no
    start of its own, so its text, and the waiver naming it, does not change with the clock.

    A guest is a user whose `userType` is Guest (tenant view) or whose UPN carries Entra's
    `#EXT#` marker, so this runs offline too; a vendor is a user whose UPN is in one of the
    domains listed in the option `vendors` (`fabrikam.com` covers `eu.fabrikam.com`).

    Every role counts, not only the privileged set: a guest or vendor with any directory
    role is an outsider holding standing access to the tenant, and the one-month grant is
    about who the holder is, not what the role can do. A group holding a role is judged
    by its member users when the tenant view lists them.

    ## Why

    The users' practice: vendors and guests are granted a role for a month and the grant
    is renewed deliberately. An outsider's account is governed by another organization
    (its leavers are not your leavers), so an assignment that outlives the engagement is
    the typical forgotten access. No baseline control says this (SCuBA MS.AAD.7.3 and CIS
    1.1.1 are about synced accounts, not guests), so the finding carries no control id.

    ## How to fix

    Give the assignment a `start` and `duration: P30D` (or less), and declare a new grant when
    the engagement goes on.

    ## Example

    ```yaml
    # roles/security-administrator.yaml
    role: Security Administrator
    assignments:
      eligible:
        - principal: user:ann_fabrikam.com#EXT#@contoso.onmicrosoft.com
          start: 2026-11-24
          duration: P364D
          justification: incident response retainer
    ```

    ## Use instead

    ```yaml
    # roles/security-administrator.yaml
    role: Security Administrator
    assignments:
      eligible:
        - principal: user:ann_fabrikam.com#EXT#@contoso.onmicrosoft.com
          start: 2026-11-24
          duration: P30D
          justification: incident response retainer
    ```
    """
    limit = ctx.seconds("max")
    for h in holders(ctx):
        length = assignment_length(ctx, h)
        if length is not None and length <= limit:
            continue
        span = _span(h, length)
        for ref, user, via in _users(ctx, h):
            who = outsider(ctx, ref, user)
            if who is not None:
                yield ctx.finding(
                    f"{who} {ref}{via} holds {h.role_name} ({h.kind}) {span}; a guest's or "
                    f"vendor's assignment should end within {format_duration(limit)}",
                    h.where,
                    role=h.role_name,
                    principal=ref,
                )


rule(
    code="ASG011",
    name="outsider-expiry",
    severity="warning",
    options=(
        duration("max", OUTSIDER_MAX, "Longest assignment of a guest or vendor."),
        names(
            "vendors",
            (),
            "UPN domains whose accounts are vendors' (fabrikam.com; subdomains included).",
        ),
    ),
)(outsider_expiry)
