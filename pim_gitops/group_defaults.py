"""Entra's settings for a PIM-for-Groups policy (member or owner) that was never edited.

They differ from a directory role's (``state.ENTRA_DEFAULT_SETTINGS``): eligible and active
assignments must expire (after ``P365D`` and ``P180D``), and activation asks for a
justification only. Source: the untouched owner policy in Microsoft Graph's documentation,
list-rolemanagementpolicyassignments Example 4 (``reference/graph-pim.md`` §3,
``graph-samples/groups__list-rolemanagementpolicyassignments-owner-expand-policy-rules``);
a permanent eligible request fails there with RoleAssignmentRequestPolicyValidationFailed
(hashicorp/terraform-provider-azuread#1450)."""

from __future__ import annotations

from dataclasses import replace

from pim_gitops.state import ENTRA_DEFAULT_MAX, ENTRA_DEFAULT_SETTINGS, RoleSettings

_ROLE = ENTRA_DEFAULT_SETTINGS

#: What a group section's settings are where no layer of the policy files says otherwise:
#: a directory role's, with the three differences above.
ENTRA_GROUP_DEFAULT_SETTINGS = RoleSettings(
    activation=replace(_ROLE.activation, require_mfa=False),
    eligible_assignment=replace(
        _ROLE.eligible_assignment,
        allow_permanent=False,
        max_duration=ENTRA_DEFAULT_MAX["eligible_assignment"],
    ),
    active_assignment=replace(
        _ROLE.active_assignment,
        allow_permanent=False,
        max_duration=ENTRA_DEFAULT_MAX["active_assignment"],
    ),
    notifications=_ROLE.notifications,
)
