"""NTF: alerts on assignments and activations."""

from __future__ import annotations

from collections.abc import Iterator

from pim_gitops.lint.engine import Finding, LintContext
from pim_gitops.lint.registry import flag, rule
from pim_gitops.lint.rules.views import configured, role_finding
from pim_gitops.roles import GLOBAL_ADMINISTRATOR
from pim_gitops.state import RoleSettings


def _has_admin_alert(settings: RoleSettings, event: str, defaults_count: bool) -> bool:
    note = settings.notification(event, "admin")
    if note.level == "None":
        return False
    return bool(note.recipients) or (defaults_count and note.default_recipients)


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
    for subject, settings in configured(ctx):
        if subject.template_id not in ctx.privileged:
            continue
        for event, label in (("eligible_assigned", "eligible"), ("active_assigned", "active")):
            if not _has_admin_alert(settings, event, defaults_count):
                text = f"{label} assignment alerts go to no recipient beyond the defaults"
                yield role_finding(
                    ctx, subject, text, f"notifications.{event}", controls=("MS.AAD.7.7v1",)
                )
        if not _has_admin_alert(settings, "activated", defaults_count):
            ga = subject.template_id == GLOBAL_ADMINISTRATOR
            control = "MS.AAD.7.8v1" if ga else "MS.AAD.7.9v1"
            text = "activation alerts go to no recipient beyond the defaults"
            yield role_finding(
                ctx,
                subject,
                text,
                "notifications.activated",
                controls=(control,),
                severity="error" if ga else "warning",
            )


rule(
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
)(privileged_alerts)
