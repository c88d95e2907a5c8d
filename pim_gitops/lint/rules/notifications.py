"""NTF: alerts on assignments and activations."""

from __future__ import annotations

from collections.abc import Iterable

from pim_gitops.compile import CompiledRole
from pim_gitops.lint.engine import Finding, LintContext, Rule, register
from pim_gitops.lint.rules.views import managed
from pim_gitops.roles import GLOBAL_ADMINISTRATOR, HIGHLY_PRIVILEGED


def _has_admin_alert(role: CompiledRole, event: str, defaults_count: bool) -> bool:
    note = role.settings.notification(event, "admin")
    if note.level == "None":
        return False
    return bool(note.recipients) or (defaults_count and note.default_recipients)


def _alerts(ctx: LintContext, rule: Rule) -> Iterable[Finding]:
    defaults_count = bool(ctx.option("default_recipients_count", False))
    for role, template in managed(ctx):
        if template not in HIGHLY_PRIVILEGED:
            continue
        for event, label in (("eligible_assigned", "eligible"), ("active_assigned", "active")):
            if not _has_admin_alert(role, event, defaults_count):
                yield rule.finding(
                    f"{role.ref.label}: {label} assignment alerts go to no "
                    "recipient beyond the defaults",
                    role.source_of(f"notifications.{event}"),
                    role=role.ref.label,
                    controls=("MS.AAD.7.7v1",),
                )
        if not _has_admin_alert(role, "activated", defaults_count):
            control = "MS.AAD.7.8v1" if template == GLOBAL_ADMINISTRATOR else "MS.AAD.7.9v1"
            yield rule.finding(
                f"{role.ref.label}: activation alerts go to no recipient beyond the defaults",
                role.source_of("notifications.activated"),
                role=role.ref.label,
                controls=(control,),
                severity="error" if template == GLOBAL_ADMINISTRATOR else "warning",
            )


register(
    Rule(
        "NTF001",
        "privileged-alerts",
        "error",
        "Assignments and activations of highly privileged roles alert the security team",
        "Eligible and active assignments of highly privileged roles SHALL trigger an alert (SCuBA "
        "MS.AAD.7.7v1); activating Global Administrator SHALL (MS.AAD.7.8v1) and the other "
        "highly privileged roles SHOULD (MS.AAD.7.9v1, a warning). Default recipients alone do "
        "not count unless the option default_recipients_count is true.",
        "notifications: {activated: {admin: {recipients: [secops@contoso.com]}}}",
        "notifications: {}",
        "notifications:\n  activated: {admin: {recipients: [secops@contoso.com]}}",
        _alerts,
        scuba=("MS.AAD.7.7v1", "MS.AAD.7.8v1", "MS.AAD.7.9v1"),
        options={"default_recipients_count": False},
    )
)
