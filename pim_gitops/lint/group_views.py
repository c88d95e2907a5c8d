"""What the rules see of PIM for Groups (issue 21): the members a role-holding group has
through PIM-for-Groups schedules, whether it is enrolled in PIM for Groups, and its member
policy, in each view (``views.py``):

* **policy**: a group the repository manages (``groups/*.yaml``) with a ``member:`` section
  has the members and settings that section declares (plus the live members an
  ``additive`` section leaves); any other group is as the tenant has it;
* **posture**: the tenant's schedules and policies (``TenantState.group_assignments``,
  ``group_policies``), requests in flight included.

A group whose PIM schedules were not read (not in ``pim_groups_read``) and that the
repository does not manage has unknown PIM members (``pim_members`` is ``None``)."""

from __future__ import annotations

from dataclasses import dataclass

from pim_gitops.compile import CompiledRole
from pim_gitops.compile.types import CompiledGroup
from pim_gitops.lint.engine import LintContext
from pim_gitops.lint.rules.views import Holder, Subject, holders, template_of
from pim_gitops.memberships import pim_known, schedules_of
from pim_gitops.state import Kind, Principal, RoleSettings
from pim_gitops.targets import group_target, parse_group_target


@dataclass(frozen=True)
class PimMember:
    """One member of a group through PIM for Groups."""

    principal_id: str
    kind: Kind
    permanent: bool


def managed_group(ctx: LintContext, group: Principal) -> CompiledGroup | None:
    """The repository's file for ``group`` (by object id or display name), if any."""
    for found in ctx.desired.groups:
        written = found.written.strip().casefold()
        if written in (group.id.casefold(), group.display_name.casefold()):
            return found
    return None


def _member_section(ctx: LintContext, group: Principal) -> CompiledRole | None:
    if ctx.view != "policy":
        return None
    found = managed_group(ctx, group)
    return found.sections.get("member") if found is not None else None


def _live(ctx: LintContext, group: Principal) -> list[PimMember] | None:
    tenant = ctx.tenant
    if tenant is None or not pim_known(tenant, group.id):
        return None
    rows = schedules_of(tenant.group_assignments, group.id)
    return [
        PimMember(a.principal_id, a.kind, a.permanent)
        for a in rows
        if (parsed := parse_group_target(a.role_id)) is not None and parsed[1] == "member"
    ]


def _declared(ctx: LintContext, section: CompiledRole, group: Principal) -> list[PimMember]:
    out = []
    for item in section.assignments:
        p = ctx.principal(item.principal)
        out.append(PimMember(p.id if p else item.principal.lower(), item.kind, item.permanent))
    if section.assignments_mode == "additive":
        declared = {(m.principal_id, m.kind) for m in out}
        out += [m for m in _live(ctx, group) or [] if (m.principal_id, m.kind) not in declared]
    return out


def pim_members(ctx: LintContext, group: Principal) -> list[PimMember] | None:
    """The group's members through PIM for Groups in this view (module docstring);
    ``None`` when unknown."""

    def compute() -> list[PimMember] | None:
        section = _member_section(ctx, group)
        if section is not None:
            return _declared(ctx, section, group)
        return _live(ctx, group)

    return ctx.memo(("pim members", ctx.view, group.id), compute)


def enrolled(ctx: LintContext, group: Principal) -> bool:
    """Enrolled in PIM for Groups: its membership is eligible through PIM for Groups (at
    least one eligible member in this view): activation is then PIM for Groups' (SCuBA
    MS.AAD.7.4v1's exception)."""
    return any(m.kind == "eligible" for m in pim_members(ctx, group) or [])


def standing_members(ctx: LintContext, group: Principal) -> list[str]:
    """The members of an enrolled group who need no activation and never lose it: direct
    members outside PIM, and permanent active members through PIM. Sorted ids; none when
    its PIM members are unknown (a direct member may then be an active PIM member)."""
    members = pim_members(ctx, group)
    if members is None:
        return []
    live = _live(ctx, group) or []  # a direct member that is a live PIM member is not standing
    scheduled = {m.principal_id for m in [*members, *live] if m.kind == "active"}
    found = {m.principal_id for m in members if m.kind == "active" and m.permanent}
    if ctx.tenant is not None:
        direct = ctx.tenant.group_members.get(group.id, ())
        found |= {m for m in direct if m not in scheduled}
    return sorted(found)


def group_holders(ctx: LintContext, templates: frozenset[str]) -> list[tuple[Holder, Principal]]:
    """The groups holding one of the roles (template ids) in this view, with the group."""
    return [
        (h, h.principal)
        for h in holders(ctx)
        if h.principal is not None
        and h.principal.type == "group"
        and template_of(ctx, h.role_id) in templates
    ]


def _member_settings(
    ctx: LintContext, group: Principal
) -> tuple[RoleSettings, CompiledRole | None] | None:
    section = _member_section(ctx, group)
    if section is not None:
        return section.settings, section
    tenant = ctx.tenant
    policy = tenant.policy_of(group_target(group.id, "member")) if tenant else None
    return (policy.settings, None) if policy is not None else None


def member_policies(
    ctx: LintContext, templates: frozenset[str]
) -> list[tuple[Subject, RoleSettings]]:
    """The member policies of the PIM-for-Groups groups holding one of the roles, as
    ScubaGear appends them to the role's rules: each a ``Subject`` named
    ``group["<name>"].member (holds <role>)`` with the role's template id, so a rule judges
    it as it judges the role. A group whose member policy is not known (not read, not
    managed) is not judged."""
    out: dict[tuple[str, str], tuple[Subject, RoleSettings]] = {}
    for h, group in group_holders(ctx, templates):
        found = _member_settings(ctx, group)
        if found is None:
            continue
        settings, section = found
        target = group_target(group.id, "member")
        where = section.location if section is not None else h.where
        name = f'group["{group.display_name or group.id}"].member (holds {h.role_name})'
        template = template_of(ctx, h.role_id)
        subject = Subject(target, template, name, settings, section, where, ctx.view)
        out.setdefault((target, template), (subject, settings))
    return [out[k] for k in sorted(out)]


__all__ = [
    "PimMember",
    "enrolled",
    "group_holders",
    "managed_group",
    "member_policies",
    "pim_members",
    "standing_members",
]
