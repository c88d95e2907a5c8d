"""Rule options that name things (roles, alerts): the template ids of the roles a ``names``
option lists (a rule passes them to ``views.configured(ctx, also=...)``), and where an option
is written, for the error that names a thing that is not there."""

from __future__ import annotations

from pim_gitops.errors import LintConfigError, Location
from pim_gitops.lint.engine import LintContext
from pim_gitops.roles import builtin_role_by_name


def option_location(ctx: LintContext, option: str) -> Location:
    """Where the rule's ``lint.rules.<code>.options.<option>`` value is written."""
    source = ctx.desired.tenant_source
    path = ("lint", "rules", ctx.rule.code, "options", option)
    return source.value(path) if source else Location(ctx.desired.tenant_file)


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
        raise LintConfigError(
            f"{option_location(ctx, option)}: lint.rules.{ctx.rule.code}.options.{option} "
            "names no role: " + ", ".join(sorted(unknown))
        )
    return frozenset(found)
