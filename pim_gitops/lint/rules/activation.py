"""ACT: what activating a role requires and how long it lasts."""

from __future__ import annotations

from collections.abc import Iterator

from pim_gitops.lint.engine import Finding, LintContext, Severity
from pim_gitops.lint.registry import Option, duration, flag, names, rule
from pim_gitops.lint.rules.judged import role_templates
from pim_gitops.lint.rules.views import configured, role_finding
from pim_gitops.wire import format_duration

#: ACT002's tier-0 roles: Global Administrator and the two roles that can make anyone one
#: (Privileged Role Administrator assigns any role; Privileged Authentication Administrator
#: resets any administrator's credentials).
TIER0_ROLES = (
    "Global Administrator",
    "Privileged Role Administrator",
    "Privileged Authentication Administrator",
)


def _ticket_error(ctx: LintContext) -> bool:
    """A missing ticket is an error: option ``ticket_error``, else in the strict preset."""
    chosen = ctx.options.get("ticket_error")
    return ctx.preset == "strict" if chosen is None else bool(chosen)


# long: the docstring is the rule's documentation; the code is short
def activation_requirements(ctx: LintContext) -> Iterator[Finding]:
    """Every activation requires MFA (or an authentication context), a justification and a ticket

    ## What it checks

    Every role's `activation.require` includes `mfa` (or the role sets an
    `authentication_context`) and `justification`: an error when either is missing. A
    missing `ticket` is an error in the strict preset and a warning in the others; the
    option `ticket_error` (true/false) chooses for every preset, and `ticket: false` stops
    checking the ticket. In the posture view every role the tenant view judges (managed,
    held or privileged) is checked as the tenant has it.

    ## Why

    Activation is when standing risk becomes real privilege: it must be strongly
    authenticated and explained, and the ticket ties it to a change record. Microsoft's PIM
    deployment plan's example settings require MFA and an incident ticket for Global
    Administrator, and a ticket even for Helpdesk Administrator; the users' practice is a
    ticket on every activation. Microsoft's best practices for Entra roles:

    > You can enable MFA on Microsoft Entra roles using two methods: Role settings in
    > Privileged Identity Management; Conditional Access

    ## How to fix

    Add the missing requirements to `activation.require`.

    ## Example

    ```yaml
    # roles/exchange-administrator.yaml
    role: Exchange Administrator
    activation:
      require: [justification]
    ```

    ## Use instead

    ```yaml
    # roles/exchange-administrator.yaml
    role: Exchange Administrator
    activation:
      require: [mfa, justification, ticket]
    ```
    """
    ticket_severity: Severity = "error" if _ticket_error(ctx) else "warning"
    for subject, settings in configured(ctx):
        act = settings.activation
        missing = []
        if not act.require_mfa and not act.authentication_context:
            missing.append("MFA (or an authentication context)")
        if not act.require_justification:
            missing.append("a justification")
        if len(missing) == 2:
            text = f"activation requires neither {missing[0]} nor {missing[1]}"
            yield role_finding(ctx, subject, text, "activation.require")
        elif missing:
            text = f"activation does not require {missing[0]}"
            yield role_finding(ctx, subject, text, "activation.require")
        if not act.require_ticket and ctx.flag("ticket"):
            text = "activation does not require a ticket"
            yield role_finding(ctx, subject, text, "activation.require", severity=ticket_severity)


rule(
    code="ACT001",
    name="activation-requirements",
    severity="error",
    options=(
        flag("ticket", True, "Check that activation requires a ticket."),
        Option(
            "ticket_error",
            "flag",
            None,
            "A missing ticket is an error (true) or a warning (false); by preset: an error "
            "in strict, a warning otherwise.",
        ),
    ),
)(activation_requirements)


def _limit(ctx: LintContext, template: str, tier0: frozenset[str]) -> int:
    """The longest activation of a role: ``max`` for every role, at most ``privileged`` for
    the privileged set, at most ``tier0`` for the tier-0 roles (lowering ``max`` lowers
    every tier)."""
    limit = ctx.seconds("max")
    if template in ctx.privileged or template in tier0:
        limit = min(limit, ctx.seconds("privileged"))
    if template in tier0:
        limit = min(limit, ctx.seconds("tier0"))
    return limit


# long: the docstring is the rule's documentation; the code is short
def activation_duration(ctx: LintContext) -> Iterator[Finding]:
    """Activation lasts at most 1 hour for tier-0 roles, 2 for privileged ones, 8 for others

    ## What it checks

    `activation.max_duration` is at most, exactly the limit passing:

    - `tier0` (PT1H) for the roles of `tier0_roles` (Global Administrator, Privileged Role
      Administrator, Privileged Authentication Administrator);
    - `privileged` (PT2H) for the other roles of the configured privileged set
      (`lint.privileged_roles`);
    - `max` (PT8H) for every other role.

    A tier is never longer than the one above it: lowering `max` lowers them all. Both
    views; in the posture view the tier-0 roles are judged whether or not anyone holds them.

    ## Why

    Shorter activations shrink the window in which a stolen session holds privilege.
    Microsoft's PIM deployment plan gives these example settings (its only three rows):

    > | Role | ... | Activation duration |
    > | Global Administrator | ... | One Hour |
    > | Exchange Admin | ... | Two Hours |
    > | Helpdesk Admin | ... | Eight Hours |

    The defaults follow it: one hour for Global Administrator and for the two roles that can
    make anyone Global Administrator (a Privileged Role Administrator assigns any role, a
    Privileged Authentication Administrator resets any administrator's credentials), so an
    hour of either is an hour of Global Administrator; two hours for the other privileged
    roles, like Exchange Administrator (one of SCuBA's eight); eight hours, Entra's default
    and Helpdesk's example, for the rest.

    ## How to fix

    Lower `activation.max_duration`.

    ## Example

    ```yaml
    # roles/exchange-administrator.yaml
    role: Exchange Administrator
    activation:
      max_duration: PT12H
    ```

    ## Use instead

    ```yaml
    # roles/exchange-administrator.yaml
    role: Exchange Administrator
    activation:
      max_duration: PT2H
    ```
    """
    tier0 = role_templates(ctx, "tier0_roles")
    for subject, settings in configured(ctx, also=tier0):
        limit = _limit(ctx, subject.template_id, tier0)
        lasts = settings.activation.max_duration
        if lasts > limit:
            text = (
                f"activation lasts up to {format_duration(lasts)}, "
                f"more than {format_duration(limit)}"
            )
            yield role_finding(ctx, subject, text, "activation.max_duration")


rule(
    code="ACT002",
    name="activation-duration",
    severity="warning",
    options=(
        duration("tier0", "PT1H", "The longest activation of the roles of `tier0_roles`."),
        names("tier0_roles", TIER0_ROLES, "The tier-0 roles."),
        duration("privileged", "PT2H", "The longest activation of a role of the privileged set."),
        duration("max", "PT8H", "The longest activation of any role."),
    ),
)(activation_duration)


def mfa_breaks_automation(ctx: LintContext) -> Iterator[Finding]:
    """Admin-side MFA requirements do not block the CI apply identity

    ## What it checks

    No managed role requires MFA on `eligible_assignment` or `active_assignment` (the
    requirements on the administrator who assigns).

    ## Why

    An app-only token carries no MFA claim, so every assignment request made by the CI apply
    identity fails: Graph answers `RoleAssignmentRequestPolicyValidationFailed ["MfaRule"]`
    (https://github.com/microsoftgraph/msgraph-sdk-powershell/issues/1808,
    https://github.com/microsoftgraph/microsoft-graph-docs-contrib/issues/2302).

    ## How to fix

    Remove `mfa` from `eligible_assignment.require` / `active_assignment.require`, or assign
    from an interactive session instead of CI.

    ## Example

    ```yaml
    # roles/exchange-administrator.yaml
    role: Exchange Administrator
    active_assignment:
      require: [mfa, justification]
    ```

    ## Use instead

    ```yaml
    # roles/exchange-administrator.yaml
    role: Exchange Administrator
    active_assignment:
      require: [justification]
    ```
    """
    for subject, settings in configured(ctx):
        for name in ("eligible_assignment", "active_assignment"):
            if getattr(settings, name).require_mfa:
                text = (
                    f"{name} requires MFA, which app-only apply (CI) cannot satisfy: Graph "
                    'answers RoleAssignmentRequestPolicyValidationFailed ["MfaRule"]; assign '
                    "from an interactive session or drop the requirement"
                )
                yield role_finding(ctx, subject, text, f"{name}.require")


rule(code="ACT003", name="mfa-breaks-automation", severity="warning", views=("policy",))(
    mfa_breaks_automation
)
