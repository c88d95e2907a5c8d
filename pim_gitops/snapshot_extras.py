"""The snapshot keys of what a read covers beyond the v1.0 PIM state (``graph.extras``):
request history, PIM alerts (Graph beta) and PIM custom extensions, with their schema parts.
``snapshot`` re-exports the names."""

from __future__ import annotations

from typing import Any

REVIEW_READ_ERROR = "accessReviewReadError"
#: Request history (``history_wire``): the raw requests created since ``requestHistorySince``
#: (an ISO instant; absent: history not read), the approvals of those with an approvalId, and
#: why a part could not be read (collection → reason).
HISTORY_ASSIGNMENTS = "roleAssignmentScheduleRequestHistory"
HISTORY_ELIGIBILITIES = "roleEligibilityScheduleRequestHistory"
HISTORY_APPROVALS = "roleAssignmentApprovals"
HISTORY_SINCE = "requestHistorySince"
HISTORY_GAPS = "requestHistoryGaps"
#: PIM for Groups requests of the groups in ``privilegedAccessGroupsRead`` (Graph's names).
GROUP_HISTORY_ASSIGNMENTS = "privilegedAccessGroupAssignmentScheduleRequestHistory"
GROUP_HISTORY_ELIGIBILITIES = "privilegedAccessGroupEligibilityScheduleRequestHistory"
HISTORY_COLLECTIONS = (
    HISTORY_ASSIGNMENTS,
    HISTORY_ELIGIBILITIES,
    HISTORY_APPROVALS,
    GROUP_HISTORY_ASSIGNMENTS,
    GROUP_HISTORY_ELIGIBILITIES,
)
#: ``snapshot.DESCRIPTIONS`` of the group request history.
GROUP_HISTORY_DESCRIPTIONS = {
    key: f"GET /identityGovernance/privilegedAccess/group/{path}?$filter=groupId eq '<id>' "
    "for each group in privilegedAccessGroupsRead, those created since requestHistorySince "
    "(filtered client-side); absent when not read"
    for key, path in (
        (GROUP_HISTORY_ASSIGNMENTS, "assignmentScheduleRequests"),
        (GROUP_HISTORY_ELIGIBILITIES, "eligibilityScheduleRequests"),
    )
}
#: PIM alerts (``alert_wire``; Graph beta, read only with ``graph_beta: [alerts]``): the
#: configurations (``alertDefinition`` expanded), the alerts (``alertDefinition`` expanded;
#: an active one with its ``alertIncidents`` added), and why they could not be read.
ALERT_CONFIGURATIONS = "roleManagementAlertConfigurations"
ALERTS = "roleManagementAlerts"
ALERT_READ_ERROR = "roleManagementAlertReadError"
ALERT_COLLECTIONS = (ALERT_CONFIGURATIONS, ALERTS)
#: PIM custom extensions (``extension_wire``), and why they could not be listed.
EXTENSIONS = "privilegedAccessCustomExtensions"
EXTENSION_READ_ERROR = "privilegedAccessCustomExtensionReadError"


def history_properties() -> dict[str, Any]:
    """The schema of the request-history bookkeeping keys, and of the review and alert
    read errors."""
    return {
        HISTORY_SINCE: {
            "type": "string",
            "format": "date-time",
            "description": "Start of the request history window (`snapshot --since`); "
            "absent when the history was not read.",
        },
        HISTORY_GAPS: {
            "type": "object",
            "description": "Parts of the request history not read (collection → reason), "
            "e.g. roleAssignmentApprovals without graph_beta approvals, or a 403.",
            "additionalProperties": {"type": "string"},
        },
        REVIEW_READ_ERROR: {
            "type": "string",
            "description": "Why the access reviews could not be read (e.g. a 403: "
            "AccessReview.Read.All is missing); accessReviewDefinitions is then absent.",
        },
        ALERT_READ_ERROR: ALERT_READ_ERROR_SCHEMA,
    }


ALERT_READ_ERROR_SCHEMA = {
    "type": "string",
    "description": "Why the PIM alerts could not be read (e.g. a 403: "
    "RoleManagementAlert.Read.Directory is missing, or no Entra ID P2 licence); "
    "roleManagementAlertConfigurations is then absent.",
}


def extension_properties(graph_object: dict[str, Any]) -> dict[str, Any]:
    """The schema of the PIM custom extension keys (``extension_wire``)."""
    return {
        EXTENSIONS: {
            "type": "array",
            "description": "Raw Graph v1.0 objects from GET /identityGovernance/"
            "privilegedAccess/customExtensions (roleManagementCustomCalloutExtension); absent "
            "when not read (no policy calls one and no policy file names one).",
            "items": graph_object,
        },
        EXTENSION_READ_ERROR: {
            "type": "string",
            "description": "Why the PIM custom extensions could not be listed (a 403: no "
            "PrivilegedAccess-CustomExt.Read.All, or no Microsoft Entra ID Governance licence).",
        },
    }
