"""NTF: alerts on assignments and activations."""

from __future__ import annotations

from collections.abc import Iterator

from pim_gitops.compile import CompiledRole
from pim_gitops.lint.engine import Finding, LintContext
from pim_gitops.lint.registry import flag, rule
from pim_gitops.lint.rules.views import managed
from pim_gitops.roles import GLOBAL_ADMINISTRATOR, HIGHLY_PRIVILEGED


def _has_admin_alert(role: CompiledRole, event: str, defaults_count: bool) -> bool:
    note = role.settings.notification(event, "admin")
    if note.level == "None":
        return False
    return bool(note.recipients) or (defaults_count and note.default_recipients)


# long: the docstring is the rule's documentation page
@rule(
    code="NTF001",
    name="privileged-alerts",
    severity="error",
    scuba=("MS.AAD.7.7v1", "MS.AAD.7.8v1", "MS.AAD.7.9v1"),
    options=(
        flag(
            "default_recipients_count",
            False,
            "Count Entra's default recipients as an alert to the security team.",
        ),
    ),
)
def privileged_alerts(ctx: LintContext) -> Iterator[Finding]:
    """Assignments and activations of highly privileged roles alert the security team

    ## What it checks

    For every managed highly privileged role, the admin notifications of eligible and
    active assignments and of activation go to a named recipient (Entra's default
    recipients alone count only with the option `default_recipients_count: true`).
    Activation alerts are an error for Global Administrator, a warning for the others.

    ## Why

    > MS.AAD.7.7v1: Eligible and Active highly privileged role assignments SHALL trigger an
    > alert.
    >
    > MS.AAD.7.8v1: User activation of the Global Administrator role SHALL trigger an alert.
    >
    > MS.AAD.7.9v1: User activation of other highly privileged roles SHOULD trigger an alert.

    ## How to fix

    Name the security team's mailbox under `notifications.<event>.admin.recipients`.

    ## Example

    ```yaml
    # roles/global-administrator.yaml
    role: Global Administrator
    notifications: {}
    ```

    ## Use instead

    ```yaml
    # roles/global-administrator.yaml
    role: Global Administrator
    notifications:
      eligible_assigned: {admin: {recipients: [secops@contoso.com]}}
      active_assigned: {admin: {recipients: [secops@contoso.com]}}
      activated: {admin: {recipients: [secops@contoso.com]}}
    ```
    """
    defaults_count = ctx.flag("default_recipients_count")
    for role, template in managed(ctx):
        if template not in HIGHLY_PRIVILEGED:
            continue
        for event, label in (("eligible_assigned", "eligible"), ("active_assigned", "active")):
            if not _has_admin_alert(role, event, defaults_count):
                yield ctx.finding(
                    f"{role.ref.label}: {label} assignment alerts go to no "
                    "recipient beyond the defaults",
                    role.source_of(f"notifications.{event}"),
                    role=role.ref.label,
                    controls=("MS.AAD.7.7v1",),
                )
        if not _has_admin_alert(role, "activated", defaults_count):
            control = "MS.AAD.7.8v1" if template == GLOBAL_ADMINISTRATOR else "MS.AAD.7.9v1"
            yield ctx.finding(
                f"{role.ref.label}: activation alerts go to no recipient beyond the defaults",
                role.source_of("notifications.activated"),
                role=role.ref.label,
                controls=(control,),
                severity="error" if template == GLOBAL_ADMINISTRATOR else "warning",
            )
