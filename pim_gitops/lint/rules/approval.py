"""APR: approval of activations (APR001), the approvers' review (APR003); who approves and how
many (APR002, APR004) are in ``approvers.py``, which this module imports (registering them)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from pim_gitops.lint.engine import Finding, LintContext
from pim_gitops.lint.group_views import member_policies
from pim_gitops.lint.registry import integer, rule
from pim_gitops.lint.rules.approvers import approval_needed
from pim_gitops.lint.rules.views import configured, role_finding
from pim_gitops.roles import GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR

#: The roles APR001 judges in every preset (posture: whether or not anyone holds them).
ALWAYS = (GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR)


# long: the docstring is the rule's documentation; the code is short
def approval_required(ctx: LintContext) -> Iterator[Finding]:
    """Activating Global and Privileged Role Administrator requires approval

    ## What it checks

    Activating Global Administrator (MS.AAD.7.6v1, CIS 5.3.4) and Privileged Role
    Administrator (CIS 5.3.5) requires approval, in every preset; the strict preset adds
    every role of the configured privileged set (`lint.privileged_roles`), with no control
    id. In the posture view both roles are judged as the tenant has them, whether or not the
    repository manages them or anyone holds them. As ScubaGear does for MS.AAD.7.6v1, the
    member policy of every PIM-for-Groups group holding Global Administrator (eligible or
    active) is judged too, as `group["<name>"].member (holds Global Administrator)`: its
    activation must require approval, or activating the membership gives the role without
    one (in the policy view as the group's file declares it, else as the tenant has it).

    ## Why

    > MS.AAD.7.6v1: Activation of the Global Administrator role SHALL require approval.
    >
    > _Rationale:_ Requiring approval for a user to activate Global Administrator, which
    > provides unfettered access, makes it more challenging for an attacker to compromise
    > the tenant with stolen credentials, and it provides visibility of activities
    > indicating a compromise is taking place.

    CIS 5.3.4, *Ensure approval is required for Global Administrator role activation*:

    > The recommended state is Require approval to activate for the Global Administrator
    > role.

    CIS 5.3.5, *Ensure approval is required for Privileged Role Administrator activation*:

    > The recommended state is Require approval to activate for the Privileged Role
    > Administrator role. This role grants the ability to manage assignments for all
    > Microsoft Entra roles including the Global Administrator role.

    A Privileged Role Administrator can make anyone Global Administrator, so its approval is
    required in every preset (the users' practice), not only under cis.

    ## How to fix

    Set `activation.approval.required: true` and name the approvers (APR004: at least two).

    ## Example

    ```yaml
    # roles/privileged-role-administrator.yaml
    role: Privileged Role Administrator
    activation:
      approval: {required: false}
    ```

    ## Use instead

    ```yaml
    # roles/privileged-role-administrator.yaml
    role: Privileged Role Administrator
    activation:
      approval:
        required: true
        approvers: [group:PIM Tier0 Approvers]
    ```
    """
    for subject, settings in configured(ctx, also=ALWAYS):
        needed, controls = approval_needed(ctx, subject.template_id)
        if needed and not settings.activation.approval_required:
            text = "activation does not require approval"
            yield role_finding(ctx, subject, text, "activation.approval", controls=controls)
    for subject, settings in member_policies(ctx, frozenset({GLOBAL_ADMINISTRATOR})):
        if not settings.activation.approval_required:
            text = "activating the membership does not require approval"
            controls = ("MS.AAD.7.6v1",)
            yield role_finding(ctx, subject, text, "activation.approval", controls=controls)


rule(
    code="APR001",
    name="approval-required",
    severity="error",
    scuba=("MS.AAD.7.6v1",),
    cis=("5.3.4", "5.3.5"),
)(approval_required)


def approvers_reviewed(ctx: LintContext) -> Iterator[Finding]:
    """Approver lists are reviewed at least every 90 days

    ## What it checks

    A role whose activation needs named approvers records when the list was reviewed
    (`activation.approval.reviewed`), at most `days` (90) days ago: reviewed exactly 90 days
    ago passes, 91 fails.

    ## Why

    Approvers change jobs; a quarterly review keeps the approval meaningful.

    ## How to fix

    Review the list and set `approval.reviewed:` to the date of the review.

    ## Example

    ```yaml
    # roles/global-administrator.yaml
    role: Global Administrator
    activation:
      approval:
        required: true
        approvers: [group:PIM Tier0 Approvers]
        reviewed: 2025-01-01
    ```

    ## Use instead

    ```yaml
    # roles/global-administrator.yaml
    role: Global Administrator
    activation:
      approval:
        required: true
        approvers: [group:PIM Tier0 Approvers]
        reviewed: 2026-10-01
    ```
    """
    max_age = timedelta(days=ctx.integer("days"))
    for subject, settings in configured(ctx):
        act = settings.activation
        if subject.compiled is None or not act.approval_required or not act.approvers:
            continue
        setting = "activation.approval.approvers"
        reviewed = subject.compiled.approvers_reviewed
        if reviewed is None:
            yield role_finding(ctx, subject, "the approver list has no reviewed: date", setting)
        elif ctx.now.date() - reviewed > max_age:
            text = f"approvers were last reviewed on {reviewed}, more than {max_age.days} days ago"
            yield role_finding(ctx, subject, text, setting)


rule(
    code="APR003",
    name="approvers-reviewed",
    severity="warning",
    options=(integer("days", 90, "The longest time since the approver list's review."),),
    views=("policy",),
)(approvers_reviewed)
