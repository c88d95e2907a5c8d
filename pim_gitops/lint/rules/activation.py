"""ACT: what activating a role requires and how long it lasts."""

from __future__ import annotations

from collections.abc import Iterator

from pim_gitops.lint.engine import Finding, LintContext
from pim_gitops.lint.registry import duration, flag, rule
from pim_gitops.lint.rules.views import configured, role_finding
from pim_gitops.wire import format_duration

#: ACT002 in the strict preset: the longest activation of a highly privileged role.
STRICT_PRIVILEGED_ACTIVATION = 4 * 3600


def activation_requirements(ctx: LintContext) -> Iterator[Finding]:
    """Activation requires MFA (or an authentication context), a justification and a ticket

    ## What it checks

    Every managed role's `activation.require` includes `mfa` (or the role sets an
    `authentication_context`) and `justification`; a missing `ticket` is a warning
    (option `ticket: false` turns that off).

    ## Why

    Activation is when standing risk becomes real privilege: it must be strongly
    authenticated and explained, and the ticket ties it to a change record.

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
    for subject, settings in configured(ctx):
        act = settings.activation
        missing = []
        if not act.require_mfa and not act.authentication_context:
            missing.append("MFA or an authentication context")
        if not act.require_justification:
            missing.append("a justification")
        if missing:
            text = f"activation does not require {' and '.join(missing)}"
            yield role_finding(ctx, subject, text, "activation.require")
        if not act.require_ticket and ctx.flag("ticket"):
            text = "activation does not require a ticket"
            yield role_finding(ctx, subject, text, "activation.require", severity="warning")


rule(
    code="ACT001",
    name="activation-requirements",
    severity="error",
    options=(flag("ticket", True, "Flag a missing ticket requirement (as a warning)."),),
)(activation_requirements)


def activation_duration(ctx: LintContext) -> Iterator[Finding]:
    """Activation lasts at most 8 hours (4 for highly privileged roles in strict)

    ## What it checks

    `activation.max_duration` of every managed role is at most the option `max` (PT8H);
    exactly the limit passes. In the strict preset the limit of a highly privileged role is
    the smaller of `max` and PT4H.

    ## Why

    Shorter activations shrink the window in which a stolen session holds privilege.

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
      max_duration: PT4H
    ```
    """
    for subject, settings in configured(ctx):
        limit = ctx.seconds("max")
        if ctx.preset == "strict" and subject.template_id in ctx.privileged:
            limit = min(limit, STRICT_PRIVILEGED_ACTIVATION)
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
        duration(
            "max",
            "PT8H",
            "The longest activation; in strict, highly privileged roles get at most PT4H.",
        ),
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
