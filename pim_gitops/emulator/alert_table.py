"""The emulator's own table of PIM alerts for directory roles (Graph beta
``identityGovernance/roleManagementAlerts``). It never imports the client's ``alerts.py``:
the two tables are checked against each other only by tests.

Sources (``docs/emulator.md`` "PIM alerts"): the seven configuration types of DC
beta/api/rolemanagementalert-list-alertconfigurations.md; the alert ids of DC
concepts/how-to-pim-alerts.md ("List all PIM alerts"); severities and the parameters' ranges
of entra-docs pim-how-to-configure-security-alerts.md; defaults are *assumption*.
"""

from __future__ import annotations

from dataclasses import dataclass

ODATA = "#microsoft.graph."
GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"
DAY_S = 86400


@dataclass(frozen=True)
class Parameter:
    graph: str
    #: ``count`` (an Int32 in ``low..high``) or ``duration`` (ISO 8601, seconds in
    #: ``low..high``).
    kind: str
    low: int
    high: int | None
    default: int | str


@dataclass(frozen=True)
class AlertType:
    #: The last part of the alert, definition and configuration id.
    suffix: str
    configuration_type: str
    incident_type: str
    display_name: str
    severity: str
    parameters: tuple[Parameter, ...] = ()

    def alert_id(self, tenant_id: str) -> str:
        return f"DirectoryRole_{tenant_id}_{self.suffix}"


ALERT_TYPES: tuple[AlertType, ...] = (
    AlertType(
        "InvalidLicenseAlert",
        "invalidLicenseAlertConfiguration",
        "invalidLicenseAlertIncident",
        "The organization doesn't have Microsoft Entra ID P2 or Microsoft Entra ID Governance",
        "low",
    ),
    AlertType(
        "NoMfaOnRoleActivationAlert",
        "noMfaOnRoleActivationAlertConfiguration",
        "noMfaOnRoleActivationAlertIncident",
        "Roles don't require multifactor authentication for activation",
        "low",
    ),
    AlertType(
        "RedundantAssignmentAlert",
        "redundantAssignmentAlertConfiguration",
        "redundantAssignmentAlertIncident",
        "Administrators aren't using their privileged roles",
        "low",
        (Parameter("duration", "duration", 0, 100 * DAY_S, "P30D"),),
    ),
    AlertType(
        "RolesAssignedOutsidePimAlert",
        "rolesAssignedOutsidePrivilegedIdentityManagementAlertConfiguration",
        "rolesAssignedOutsidePrivilegedIdentityManagementAlertIncident",
        "Roles are being assigned outside of Privileged Identity Management",
        "high",
    ),
    AlertType(
        "SequentialActivationRenewalsAlert",
        "sequentialActivationRenewalsAlertConfiguration",
        "sequentialActivationRenewalsAlertIncident",
        "Roles are being activated too frequently",
        "low",
        (
            Parameter("sequentialActivationCounterThreshold", "count", 2, 100, 10),
            Parameter("timeIntervalBetweenActivations", "duration", 1, None, "PT1H"),
        ),
    ),
    AlertType(
        "StaleSignInAlert",
        "staleSignInAlertConfiguration",
        "staleSignInAlertIncident",
        "Potential stale accounts in a privileged role",
        "medium",
        (Parameter("duration", "duration", DAY_S, 365 * DAY_S, "P30D"),),
    ),
    AlertType(
        "TooManyGlobalAdminsAssignedToTenantAlert",
        "tooManyGlobalAdminsAssignedToTenantAlertConfiguration",
        "tooManyGlobalAdminsAssignedToTenantAlertIncident",
        "There are too many global administrators",
        "low",
        (
            Parameter("globalAdminCountThreshold", "count", 2, 100, 3),
            Parameter("percentageOfGlobalAdminsOutOfRolesThreshold", "count", 0, 100, 10),
        ),
    ),
)
BY_SUFFIX = {a.suffix: a for a in ALERT_TYPES}
TOO_MANY_GA = "TooManyGlobalAdminsAssignedToTenantAlert"
OUTSIDE_PIM = "RolesAssignedOutsidePimAlert"


def type_of(alert_id: str) -> AlertType | None:
    """The alert type an alert, definition or configuration id names."""
    return BY_SUFFIX.get(alert_id.rsplit("_", 1)[-1])
