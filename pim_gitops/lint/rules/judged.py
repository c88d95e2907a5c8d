"""The roles a rule judges whatever privileged-role set is configured, and role names given
as rule options.

In the posture view ``views.subjects`` holds the roles that are managed, held, or in the
configured set. A rule that decides a control over a fixed list of roles (SCuBA's eight for
MS.AAD.7.7-7.9, Global and Privileged Role Administrator for CIS 5.3.4/5.3.5) must see those
roles' live policy even when nobody holds them and the configured set leaves them out:
``with_roles`` adds them (posture view only; the policy view judges what the repository
manages)."""

from __future__ import annotations

from collections.abc import Iterable

from pim_gitops.errors import LintConfigError, Location
from pim_gitops.lint.engine import LintContext
from pim_gitops.lint.rules.views import Subject, configured
from pim_gitops.roles import builtin_role_by_name
from pim_gitops.state import RoleSettings


def _extra(ctx: LintContext, templates: frozenset[str], have: set[str]) -> list[Subject]:
    if ctx.view != "posture" or ctx.tenant is None:
        return []
    out = []
    for role in ctx.tenant.roles.values():
        policy = ctx.tenant.policies.get(role.id)
        if role.template_id not in templates or role.id in have or policy is None:
            continue
        out.append(
            Subject(
                role_id=role.id,
                template_id=role.template_id,
                name=role.display_name,
                settings=policy.settings,
                compiled=None,
                where=ctx.tenant_location(role.id),
                view="posture",
            )
        )
    return out


def with_roles(ctx: LintContext, templates: Iterable[str]) -> list[tuple[Subject, RoleSettings]]:
    """``configured(ctx)`` and, in the posture view, the roles of ``templates`` it lacks."""
    found = configured(ctx)
    have = {s.role_id for s, _ in found}
    extra = _extra(ctx, frozenset(templates), have)
    both = found + [(s, s.settings) for s in extra if s.settings is not None]
    return sorted(both, key=lambda pair: (pair[0].name.casefold(), pair[0].role_id))


def role_templates(ctx: LintContext, option: str) -> frozenset[str]:
    """The template ids of the roles a ``names`` option lists (built-in roles by display
    name, custom roles by the tenant's or a managed role's display name); a name that is no
    role is an error at the option, never ignored."""
    known = {r.ref.label.casefold(): ctx.role_id(r) or r.ref.key for r in ctx.desired.roles}
    if ctx.tenant is not None:
        known |= {r.display_name.casefold(): r.template_id for r in ctx.tenant.roles.values()}
    found: set[str] = set()
    unknown: list[str] = []
    for name in ctx.names(option):
        template = builtin_role_by_name(name) or known.get(name.strip().casefold())
        if template is None:
            unknown.append(name)
        else:
            found.add(template)
    if unknown:
        source = ctx.desired.tenant_source
        path = ("lint", "rules", ctx.rule.code, "options", option)
        where = source.value(path) if source else Location(ctx.desired.tenant_file)
        raise LintConfigError(
            f"{where}: lint.rules.{ctx.rule.code}.options.{option} names no role: "
            + ", ".join(sorted(unknown))
        )
    return frozenset(found)
