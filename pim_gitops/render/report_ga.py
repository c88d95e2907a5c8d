"""The report's "Who can become Global Administrator, and how": every principal with a way to
the role (``access_paths.who_can_use``): its own eligible or active assignment, or a
role-assignable group holding it, as a standing, eligible or active member through PIM for
Groups, or as an owner (who can add itself as a member). Groups whose PIM schedules were not
read are named: their eligible members and owners are not known."""

from __future__ import annotations

from pim_gitops.access_paths import unread_groups, who_can_use
from pim_gitops.render.report_doc import Bullets, Cell, Para, Section, Table
from pim_gitops.roles import GLOBAL_ADMINISTRATOR
from pim_gitops.state import TenantState
from pim_gitops.wording import plural

GA_HEADERS = ("Principal", "Without activating", "How")
ANCHOR = "become-global-administrator"
TITLE = "Who can become Global Administrator, and how"


def _unread(tenant: TenantState, role_id: str) -> list[str]:
    found = []
    for gid in unread_groups(tenant, role_id):
        group = tenant.principals.get(gid)
        found.append(group.reference if group is not None else gid)
    return found


def ga_section(tenant: TenantState | None) -> Section:
    """The section (module docstring); offline it says the tenant was not read."""
    if tenant is None:
        return Section(ANCHOR, TITLE, (Para("Not known: the tenant was not read.", "muted"),))
    role = tenant.role_by_template(GLOBAL_ADMINISTRATOR)
    if role is None:
        return Section(
            ANCHOR, TITLE, (Para("The tenant has no Global Administrator role.", "muted"),)
        )
    reach = who_can_use(tenant, role.id)
    rows = tuple(
        (
            Cell(r.name),
            Cell("yes", "warn") if r.active else Cell("no: activation needed"),
            Cell("; ".join(r.ways)),
        )
        for r in reach
    )
    blocks: list[Para | Table | Bullets] = [
        Para(
            f"{plural(len(reach), 'principal')} can become Global Administrator: by an "
            "assignment of their own, or through a role-assignable group holding it (a "
            "standing member, an eligible or active member through PIM for Groups, or an "
            "owner, who can add itself as a member)."
        ),
        Table(GA_HEADERS, rows),
    ]
    unread = _unread(tenant, role.id)
    if unread:
        blocks.append(
            Para(
                f"Not known: the eligible members and owners (PIM for Groups) of "
                f"{', '.join(unread)}, whose schedules were not read.",
                "warn",
            )
        )
    return Section(ANCHOR, TITLE, tuple(blocks))


def ga_reach_fact(tenant: TenantState) -> tuple[str, ...]:
    """The control table's fact for MS.AAD.7.1v1: who can become Global Administrator."""
    role = tenant.role_by_template(GLOBAL_ADMINISTRATOR)
    if role is None:
        return ()
    names = [r.name for r in who_can_use(tenant, role.id)]
    text = (
        f"{plural(len(names), 'principal')} can become Global Administrator (through groups "
        f"and PIM for Groups included): {', '.join(names)}"
    )
    unread = _unread(tenant, role.id)
    if unread:
        text += f"; PIM for Groups not read for {', '.join(unread)}"
    return (text,)


__all__ = ["ga_reach_fact", "ga_section"]
