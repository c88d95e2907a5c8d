"""NTF: alerts on assignments and activations."""

from __future__ import annotations

from collections.abc import Iterator

from pim_gitops.lint.engine import Finding, LintContext, Severity
from pim_gitops.lint.group_views import member_policies
from pim_gitops.lint.privileged import SCUBA_HIGHLY_PRIVILEGED
from pim_gitops.lint.registry import rule
from pim_gitops.lint.rules.views import Subject, configured, role_finding
from pim_gitops.roles import GLOBAL_ADMINISTRATOR
from pim_gitops.state import RoleSettings

#: The assignment alerts MS.AAD.7.7 reads: (event, label). ``eligible_assigned.admin`` is
#: Graph's ``Notification_Admin_Admin_Eligibility``, ``active_assigned.admin``
#: ``Notification_Admin_Admin_Assignment``, ``activated.admin``
#: ``Notification_Admin_EndUser_Assignment`` (7.8, 7.9).
ASSIGNMENT_ALERTS = (
    ("eligible_assigned", "eligible-assignment"),
    ("active_assigned", "active-assignment"),
)


def _no_alert(settings: RoleSettings, event: str, label: str) -> str | None:
    """Why the event's admin notification alerts nobody in particular (``None``: it names
    a recipient). Entra's default recipients never count, as in ScubaGear."""
    note = settings.notification(event, "admin")
    if note.level == "None":
        return f"{label} alerts are turned off (notification level None)"
    if not note.recipients:
        return f"{label} alerts name no recipient (Entra's default recipients do not count)"
    return None


def _activation(subject: Subject) -> tuple[tuple[str, ...], Severity]:
    """The control an activation alert of this role decides, and how serious it is."""
    if subject.template_id == GLOBAL_ADMINISTRATOR:
        return ("MS.AAD.7.8v1",), "error"
    if subject.template_id in SCUBA_HIGHLY_PRIVILEGED:
        return ("MS.AAD.7.9v1",), "warning"
    return (), "warning"


def _recipients(event: str) -> str:
    """The setting a finding about an event's alert points at: its recipients, what to fix
    (the role's file when no layer declares them)."""
    return f"notifications.{event}.admin.recipients"


def _alerts(ctx: LintContext, subject: Subject, settings: RoleSettings) -> Iterator[Finding]:
    scuba = subject.template_id in SCUBA_HIGHLY_PRIVILEGED
    for event, label in ASSIGNMENT_ALERTS:
        why = _no_alert(settings, event, label)
        if why is not None:
            controls: tuple[str, ...] = ("MS.AAD.7.7v1",) if scuba else ()
            yield role_finding(ctx, subject, why, _recipients(event), controls=controls)
    why = _no_alert(settings, "activated", "activation")
    if why is not None:
        controls, severity = _activation(subject)
        yield role_finding(
            ctx, subject, why, _recipients("activated"), controls=controls, severity=severity
        )


# long: the docstring is the rule's documentation; the code is short
def privileged_alerts(ctx: LintContext) -> Iterator[Finding]:
    """Assignments and activations of privileged roles alert a named recipient

    ## What it checks

    ScubaGear's checks, to the letter, for SCuBA's eight highly privileged roles whatever
    privileged set is configured (in the posture view whether or not the repository manages
    them or anyone holds them), and the same checks without a control id for the other
    roles of the configured set (`lint.privileged_roles`):

    - MS.AAD.7.7v1 (error): the admin notifications of eligible and of active assignment
      (Graph rules `Notification_Admin_Admin_Eligibility`, `Notification_Admin_Admin_Assignment`)
      name at least one recipient;
    - MS.AAD.7.8v1 (error): Global Administrator's activation alert
      (`Notification_Admin_EndUser_Assignment`) names a recipient;
    - MS.AAD.7.9v1 (warning, a SHOULD): so does that of the other seven roles.

    Entra's default recipients never count: ScubaGear does not read
    `isDefaultRecipientsEnabled`, it requires a non-empty `notificationRecipients` (the old
    option `default_recipients_count` is gone: accept a role's defaults with a waiver, which
    keeps the finding and its control visible). A notification at level `None` sends
    nothing and fails too (stricter than ScubaGear, which does not read the level; the
    baseline asks that assignments "trigger an alert"). As ScubaGear does, the same checks
    apply to the member policy of every PIM-for-Groups group holding one of the eight roles
    (eligible or active), named `group["<name>"].member (holds <role>)`, with the role's
    control (in the policy view as the group's file declares it, else as the tenant has it).

    ## Why

    > MS.AAD.7.7v1: Eligible and active highly privileged role assignments SHALL trigger an
    > alert.
    >
    > MS.AAD.7.8v1: User activation of the Global Administrator role SHALL trigger an alert.
    >
    > MS.AAD.7.9v1: User activation of other highly privileged roles SHOULD trigger an alert.

    The baseline's instructions put the security monitoring mailbox under **Additional
    recipients** for each of these alerts; its rationale: "Send assignment alerts to enable
    the security monitoring team to detect compromise attempts."

    ## How to fix

    Name the security team's mailbox under `notifications.<event>.admin.recipients`.

    ## Example

    ```yaml
    # roles/global-administrator.yaml
    role: Global Administrator
    notifications:
      activated: {admin: {recipients: [secops@contoso.com]}}
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
    for subject, settings in configured(ctx, also=SCUBA_HIGHLY_PRIVILEGED):
        if subject.template_id in SCUBA_HIGHLY_PRIVILEGED or subject.template_id in ctx.privileged:
            yield from _alerts(ctx, subject, settings)
    for subject, settings in member_policies(ctx, SCUBA_HIGHLY_PRIVILEGED):
        yield from _alerts(ctx, subject, settings)


rule(
    code="NTF001",
    name="privileged-alerts",
    severity="error",
    scuba=("MS.AAD.7.7v1", "MS.AAD.7.8v1", "MS.AAD.7.9v1"),
)(privileged_alerts)
