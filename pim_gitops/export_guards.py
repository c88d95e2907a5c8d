"""The guard inputs an export proposes in ``pim.yaml``: ``break_glass:`` and an
``apply_identity:`` stub.

**The break-glass rule.** A candidate is a principal that

* holds Global Administrator directory-wide (scope ``/``) as an active assignment with no end
  (permanent) that has a schedule (one still only a request, pending or with a future
  start, is not proposed: it gives no access yet);
* is a user of ``userType`` ``Member`` (no guest, group or service principal), enabled;
* is cloud-only: not synced from on-premises (``onPremisesSyncEnabled`` not true) and
  without an ``onPremisesImmutableId`` (federated), as lint GEN001 reads it.

When some candidates have a user principal name on ``*.onmicrosoft.com`` (Microsoft's advice
for emergency access accounts: not tied to a federated or custom domain), only those are
proposed; otherwise every candidate is.

**Declared, to confirm.** The proposed accounts are written as a real ``break_glass:`` list,
under a comment asking the reader to confirm they are the emergency access accounts. A first
run then sees them declared (lint GEN001, the report), and apply guards exactly these
accounts: it refuses a plan that takes their access away (``apply/guards.py``
``break_glass_lost``). Declaring any account lifts the fail-closed guard of
``apply/undeclared.py`` as a whole: that guard, while ``break_glass:`` is undeclared, treats
every usable permanent active Global Administrator as a possible emergency account, and it
does not look at who the declared list leaves out. So a usable permanent active Global
Administrator the export does not propose (synced, a guest, a group, on a custom domain while
others are on ``*.onmicrosoft.com``) is named in the comment as no longer guarded once the
list stands, for the reader to add when it is an emergency account; nothing is lifted
silently. With no candidate, a comment stub says what to declare (and that, until then, apply
refuses any plan that reduces a permanent Global Administrator's access).

The apply identity is known only to a live session (``graph/identity.py`` ``whoami``), so the
export always writes a commented stub; apply works it out when it runs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pim_gitops.access import FOREVER, holders, holders_by_principal, lasts_until
from pim_gitops.roles import GLOBAL_ADMINISTRATOR
from pim_gitops.state import Principal, TenantState
from pim_gitops.yamlwrite import item

#: The domain Microsoft recommends for emergency access accounts.
ONMICROSOFT = ".onmicrosoft.com"
CONFIRM = "# proposed by export: confirm these are your emergency access accounts"
BREAK_GLASS_NOTE = (
    CONFIRM + "\n"
    "# (cloud-only, enabled member users holding Global Administrator as a permanent active\n"
    "# assignment; only those on *.onmicrosoft.com when there are any). Declared, apply guards\n"
    "# exactly these accounts: it refuses a plan that takes their access away\n"
    "# (--allow-break-glass-change overrides it), and no longer guards every other permanent\n"
    "# active Global Administrator as a possible emergency account. Remove an account that is\n"
    "# not an emergency account; add one that is missing.\n"
)
#: ``comment`` gives ``"  # <name>"`` (``yamlwrite.eol``); the name alone is ``[4:]``.
UNGUARDED = "# not proposed, so no longer guarded once this list stands: "
NO_BREAK_GLASS_NOTE = (
    "# break_glass: export found no cloud-only, enabled member user holding Global\n"
    "# Administrator as a permanent active assignment. Declare your emergency access accounts\n"
    "# (two, cloud-only, on *.onmicrosoft.com, permanent active Global Administrators):\n"
    "# break_glass:\n"
    "# - user:bg1@contoso.onmicrosoft.com\n"
    "# - user:bg2@contoso.onmicrosoft.com\n"
    "# Until break_glass: is declared, apply refuses any plan that reduces the access of a\n"
    "# permanent active Global Administrator (--allow-break-glass-change overrides it).\n"
)
APPLY_IDENTITY_NOTE = (
    "# apply_identity: the identity apply signs in as (sp:<appId> for a workload identity,\n"
    "# user:<upn> for a person); its own role is then guarded. Without it, apply works out\n"
    "# who it is signed in as and guards that identity's role.\n"
    "# apply_identity: sp:00000000-0000-0000-0000-000000000000\n"
)


def _cloud_only_member(principal: Principal | None) -> bool:
    return (
        principal is not None
        and principal.type == "user"
        and principal.user_type == "Member"
        and principal.account_enabled is True
        and principal.on_premises_sync_enabled is not True
        and not principal.on_premises_immutable_id
    )


def _on_onmicrosoft(principal: Principal) -> bool:
    return (principal.user_principal_name or "").casefold().endswith(ONMICROSOFT)


def proposed_break_glass(tenant: TenantState) -> list[Principal]:
    """The break-glass accounts export proposes (the rule in the module docstring), by id."""
    permanent = {
        a.principal_id
        for a in holders(tenant.assignments, GLOBAL_ADMINISTRATOR, ("active",))
        if a.end is None and a.request is None
    }
    found = [p for pid in permanent if _cloud_only_member(p := tenant.principals.get(pid)) and p]
    preferred = [p for p in found if _on_onmicrosoft(p)]
    return sorted(preferred or found, key=lambda p: p.id)


def left_unguarded(tenant: TenantState, proposed: list[Principal], now: datetime) -> list[str]:
    """The usable permanent active Global Administrators (those ``apply/undeclared.py``
    guards while nothing is declared) that are not among ``proposed``, by id."""
    taken = {p.id for p in proposed}
    by_principal = holders_by_principal(tenant.assignments, GLOBAL_ADMINISTRATOR, ("active",))
    return sorted(
        pid
        for pid, own in by_principal.items()
        if pid not in taken and lasts_until(own, tenant, now) == FOREVER
    )


def guard_block(
    tenant: TenantState,
    written: Callable[[Principal], str],
    comment: Callable[[str], str],
    now: datetime,
) -> tuple[str, dict[str, Any]]:
    """The ``break_glass:`` block (or its stub) and the ``apply_identity:`` stub of
    ``pim.yaml``, and the data they hold."""
    proposed = proposed_break_glass(tenant)
    accounts = sorted(((written(p), p) for p in proposed), key=lambda r: r[0])
    if not accounts:
        return NO_BREAK_GLASS_NOTE + APPLY_IDENTITY_NOTE, {}
    others = sorted(
        (written(p) if (p := tenant.principals.get(pid)) else pid, comment(pid)[4:])
        for pid in left_unguarded(tenant, proposed, now)
    )
    lines = [UNGUARDED + ref + (f" ({name})" if name else "") for ref, name in others]
    lines += ["break_glass:"] + ["  " + item(ref) + comment(p.id) for ref, p in accounts]
    text = BREAK_GLASS_NOTE + "\n".join(lines) + "\n" + APPLY_IDENTITY_NOTE
    return text, {"break_glass": [ref for ref, _ in accounts]}


__all__ = ["guard_block", "left_unguarded", "proposed_break_glass"]
