"""Entra's settings for a PIM-for-Groups policy (member or owner) that was never edited.

They differ from a directory role's (``state.ENTRA_DEFAULT_SETTINGS``): eligible and active
assignments must expire (after ``P365D`` and ``P180D``), and activation asks for a
justification only. Source: the untouched owner policy in Microsoft Graph's documentation,
list-rolemanagementpolicyassignments Example 4 (``reference/graph-pim.md`` §3,
``graph-samples/groups__list-rolemanagementpolicyassignments-owner-expand-policy-rules``);
a permanent eligible request fails there with RoleAssignmentRequestPolicyValidationFailed
(hashicorp/terraform-provider-azuread#1450)."""

from __future__ import annotations

from pim_gitops.state import (
    ENTRA_DEFAULT_MAX,
    ENTRA_DEFAULT_SETTINGS,
    RoleSettings,
    make_activation,
    make_assignment_rules,
)

#: What a group section's settings are where no layer of the policy files says otherwise.
ENTRA_GROUP_DEFAULT_SETTINGS = RoleSettings(
    activation=make_activation(
        max_duration=8 * 3600,
        require_mfa=False,
        require_justification=True,
        require_ticket=False,
        authentication_context=None,
        approval_required=False,
        approvers=(),
    ),
    eligible_assignment=make_assignment_rules(
        allow_permanent=False,
        max_duration=ENTRA_DEFAULT_MAX["eligible_assignment"],
        require_mfa=False,
        require_justification=False,
    ),
    active_assignment=make_assignment_rules(
        allow_permanent=False,
        max_duration=ENTRA_DEFAULT_MAX["active_assignment"],
        require_mfa=False,
        require_justification=True,
    ),
    notifications=ENTRA_DEFAULT_SETTINGS.notifications,
)
