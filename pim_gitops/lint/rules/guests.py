"""ASG011: guests' and vendors' assignments end soon (a users' practice, no baseline id)."""

from __future__ import annotations

from collections.abc import Iterator

from pim_gitops.lint.engine import Finding, LintContext
from pim_gitops.lint.registry import duration, names, rule
from pim_gitops.lint.rules.views import Holder, holder_finding, holders
from pim_gitops.wire import format_duration

#: The marker Entra puts in a guest's user principal name (``alice_fabrikam.com#EXT#@...``).
GUEST_MARKER = "#ext#"
#: ASG011's default window: the one-month grant the users give vendors.
OUTSIDER_MAX = "P30D"


def _upn(h: Holder) -> str | None:
    if h.principal is not None:
        if h.principal.type != "user":
            return None
        return (h.principal.user_principal_name or "").casefold()
    kind, _, value = h.ref.partition(":")
    return value.casefold() if kind.lower() == "user" else None


def outsider(ctx: LintContext, h: Holder) -> str | None:
    """``"guest"`` or ``"vendor"`` when ``h`` is a user of either kind: a guest by its
    ``userType`` (tenant view) or the ``#EXT#`` marker of its UPN (offline too); a vendor by
    a UPN in one of the domains of the option ``vendors`` (or a subdomain of one)."""
    upn = _upn(h)
    if upn is None:
        return None
    if (h.principal is not None and h.principal.user_type == "Guest") or GUEST_MARKER in upn:
        return "guest"
    domain = upn.rpartition("@")[2]
    for vendor in ctx.names("vendors"):
        suffix = vendor.casefold().lstrip("@.")
        if domain == suffix or domain.endswith("." + suffix):
            return "vendor"
    return None


def assignment_length(ctx: LintContext, h: Holder) -> int | None:
    """How long the assignment lasts, in seconds (``None``: it never ends): the declared
    duration, else from its start (declared, or now when it starts on apply) to its end."""
    if h.duration is not None:
        return h.duration
    if h.end is None:
        return None
    return int((h.end - (h.start or ctx.now)).total_seconds())


# long: the docstring is the rule's documentation page (quoted control, tested examples)
def outsider_expiry(ctx: LintContext) -> Iterator[Finding]:
    """Guests' and vendors' assignments end within a month

    ## What it checks

    Every assignment, eligible or active, of any role to a guest or a vendor lasts at most
    `max` (P30D) from its start: exactly the limit passes, a day more fails, a permanent
    one fails. Declared: its `duration`, or `expires` minus `start` (minus now when it
    starts on apply); live: the schedule's end minus its start.

    A guest is a user whose `userType` is Guest (tenant view) or whose UPN carries Entra's
    `#EXT#` marker, so this runs offline too; a vendor is a user whose UPN is in one of the
    domains listed in the option `vendors` (`fabrikam.com` covers `eu.fabrikam.com`).

    Every role counts, not only the privileged set: a guest or vendor with any directory
    role is an outsider holding standing access to the tenant, and the one-month grant is
    about who the holder is, not what the role can do. Groups are not expanded.

    ## Why

    The users' practice: vendors and guests are granted a role for a month and the grant
    is renewed deliberately. An outsider's account is governed by another organization
    (its leavers are not your leavers), so an assignment that outlives the engagement is
    the typical forgotten access. No baseline control says this (SCuBA MS.AAD.7.3 and CIS
    1.1.1 are about synced accounts, not guests), so the finding carries no control id.

    ## How to fix

    Give the assignment `duration: P30D` (or less) and renew it when the engagement goes on.

    ## Example

    ```yaml
    # roles/security-administrator.yaml
    role: Security Administrator
    assignments:
      eligible:
        - principal: user:ann_fabrikam.com#EXT#@contoso.onmicrosoft.com
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
          duration: P30D
          justification: incident response retainer
    ```
    """
    limit = ctx.seconds("max")
    for h in holders(ctx):
        who = outsider(ctx, h)
        if who is None:
            continue
        length = assignment_length(ctx, h)
        if length is not None and length <= limit:
            continue
        span = "with no end" if length is None else f"for {format_duration(length)}"
        yield holder_finding(
            ctx,
            h,
            f"{who} {h.ref} holds {h.role_name} ({h.kind}) {span}; a guest's or vendor's "
            f"assignment should end within {format_duration(limit)}",
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
