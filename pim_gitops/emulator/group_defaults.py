"""Entra's defaults for a PIM-for-Groups policy (member or owner), as a never-edited group
policy reads: DC ``policyroot-list-rolemanagementpolicyassignments.md`` Example 4 (the
untouched owner policy, ``lastModifiedDateTime: null``; sample
``groups__list-rolemanagementpolicyassignments-owner-expand-policy-rules``). They differ from
a directory role's: eligible and active assignments must expire (P365D / P180D),
activation asks for a justification only, and targets read ``"operations": ["All"]``.
Both policies of a group (member, owner) start from these rules."""

from __future__ import annotations

import uuid
from typing import Any

RULE_TYPE = "#microsoft.graph.unifiedRoleManagementPolicy"
#: A group's two policies: one for membership, one for ownership (ED concept-pim-for-groups).
ACCESS_IDS = ("member", "owner")
_NAMESPACE = uuid.UUID("6f7c1d2e-93a4-4b5c-8d6e-0f1a2b3c4d5e")


def _target(caller: str, level: str) -> dict[str, Any]:
    return {
        "caller": caller,
        "operations": ["All"],
        "level": level,
        "inheritableSettings": [],
        "enforcedSettings": [],
    }


def _rule(kind: str, rule_id: str, caller: str, level: str, **settings: Any) -> dict[str, Any]:
    return {
        "@odata.type": RULE_TYPE + kind,
        "id": rule_id,
        **settings,
        "target": _target(caller, level),
    }


def _notifications(caller: str, level: str) -> list[dict[str, Any]]:
    return [
        _rule(
            "NotificationRule",
            f"Notification_{recipient}_{caller}_{level}",
            caller,
            level,
            notificationType="Email",
            recipientType=recipient,
            notificationLevel="All",
            isDefaultRecipientsEnabled=True,
            notificationRecipients=[],
        )
        for recipient in ("Admin", "Requestor", "Approver")
    ]


def _approval_off() -> dict[str, Any]:
    return {
        "isApprovalRequired": False,
        "isApprovalRequiredForExtension": False,
        "isRequestorJustificationRequired": True,
        "approvalMode": "SingleStage",
        "approvalStages": [
            {
                "approvalStageTimeOutInDays": 1,
                "isApproverJustificationRequired": True,
                "escalationTimeInMinutes": 0,
                "isEscalationEnabled": False,
                "primaryApprovers": [],
                "escalationApprovers": [],
            }
        ],
    }


def default_group_rules() -> list[dict[str, Any]]:
    """The 17 rules of a group policy at Entra's defaults, in the documented order."""
    exp, enable = "ExpirationRule", "EnablementRule"
    return [
        _rule(
            exp,
            "Expiration_Admin_Eligibility",
            "Admin",
            "Eligibility",
            isExpirationRequired=True,
            maximumDuration="P365D",
        ),
        _rule(enable, "Enablement_Admin_Eligibility", "Admin", "Eligibility", enabledRules=[]),
        *_notifications("Admin", "Eligibility"),
        _rule(
            exp,
            "Expiration_Admin_Assignment",
            "Admin",
            "Assignment",
            isExpirationRequired=True,
            maximumDuration="P180D",
        ),
        _rule(
            enable,
            "Enablement_Admin_Assignment",
            "Admin",
            "Assignment",
            enabledRules=["Justification"],
        ),
        *_notifications("Admin", "Assignment"),
        _rule(
            exp,
            "Expiration_EndUser_Assignment",
            "EndUser",
            "Assignment",
            isExpirationRequired=True,
            maximumDuration="PT8H",
        ),
        _rule(
            enable,
            "Enablement_EndUser_Assignment",
            "EndUser",
            "Assignment",
            enabledRules=["Justification"],
        ),
        _rule(
            "ApprovalRule",
            "Approval_EndUser_Assignment",
            "EndUser",
            "Assignment",
            setting=_approval_off(),
        ),
        _rule(
            "AuthenticationContextRule",
            "AuthenticationContext_EndUser_Assignment",
            "EndUser",
            "Assignment",
            isEnabled=False,
            claimValue=None,
        ),
        *_notifications("EndUser", "Assignment"),
    ]


def new_policy_id(group_id: str, access_id: str) -> str:
    """``Group_{groupId}_{guid}`` (DC list-rolemanagementpolicies Ex. 3); the guid is drawn
    from the group and access so a seed replays the same ids."""
    return f"Group_{group_id}_{uuid.uuid5(_NAMESPACE, f'{group_id.lower()}/{access_id}')}"


def new_policy(group_id: str, access_id: str) -> dict[str, Any]:
    """A group's policy as Entra creates it: at the defaults, never modified."""
    return {
        "id": new_policy_id(group_id, access_id),
        "displayName": "Group",
        "description": "Group",
        "isOrganizationDefault": False,
        "scopeId": group_id,
        "scopeType": "Group",
        "lastModifiedDateTime": None,
        "lastModifiedBy": {"displayName": None, "id": None},
        "rules": default_group_rules(),
    }
