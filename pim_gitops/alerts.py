"""PIM alerts of directory roles: the alert table, and the normalized settings and open
alerts both sides produce (``pim.yaml``'s ``alerts:`` → compile; Graph's
``unifiedRoleManagementAlertConfiguration`` / ``unifiedRoleManagementAlert`` → normalize).

Graph serves alerts only under ``/beta/identityGovernance/roleManagementAlerts`` (scopeId
``/``, scopeType ``DirectoryRole``), so the client reads and writes them only where the
tenant file opts in (``graph_beta: [alerts]``, docs/policy-reference.md "PIM alerts").

``ALERT_KINDS`` is the one table of alerts: the policy-file name, Graph's alert-definition
name and configuration ``@odata.type``, and each configurable parameter. Reading, writing,
read-back and docs all use it; nothing else names an alert type. The emulator keeps its own
reading and never imports this module."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Literal

from pim_gitops.state import Leaf

#: How a parameter's value is written in ``pim.yaml`` and compared: a whole number
#: (``count``, ``percent`` 0..100) or an ISO 8601 duration canonicalised by
#: ``wire.format_duration`` (``duration``).
ParameterKind = Literal["count", "percent", "duration"]
ODATA_PREFIX = "#microsoft.graph."
DAY = 86400


@dataclass(frozen=True)
class AlertParameter:
    #: The key under the alert in ``pim.yaml`` (``accounts``).
    key: str
    #: Graph's property of the configuration (``globalAdminCountThreshold``).
    graph: str
    kind: ParameterKind
    description: str = ""
    #: The inclusive range Entra takes (a number, or a duration's seconds), ED
    #: pim-how-to-configure-security-alerts.md; ``None``: any (a duration: above zero).
    bounds: tuple[int, int] | None = None


@dataclass(frozen=True)
class AlertKind:
    #: The key under ``alerts:`` in ``pim.yaml`` (``too_many_global_admins``).
    name: str
    #: The last part of Graph's alert definition and configuration id
    #: (``DirectoryRole_<tenantId>_<definition>``).
    definition: str
    #: Graph's configuration type, without ``#microsoft.graph.``.
    configuration_type: str
    title: str
    parameters: tuple[AlertParameter, ...] = ()

    @property
    def odata_type(self) -> str:
        return ODATA_PREFIX + self.configuration_type

    def configuration_id(self, tenant_id: str) -> str:
        return f"DirectoryRole_{tenant_id}_{self.definition}"


#: Every alert of PIM for directory roles (DC rolemanagementalert-list-alertconfigurations.md
#: lists the seven configuration types; the parameters are those types' own properties, as
#: each beta resources/<type>.md page names them: checked for issue 23).
ALERT_KINDS: tuple[AlertKind, ...] = (
    AlertKind(
        "too_many_global_admins",
        "TooManyGlobalAdminsAssignedToTenantAlert",
        "tooManyGlobalAdminsAssignedToTenantAlertConfiguration",
        "There are too many global administrators",
        (
            AlertParameter(
                "accounts",
                "globalAdminCountThreshold",
                "count",
                "Global Administrator assignments at which the alert can fire.",
                (2, 100),
            ),
            AlertParameter(
                "percent",
                "percentageOfGlobalAdminsOutOfRolesThreshold",
                "percent",
                "Share of all role assignments that are Global Administrator; both "
                "thresholds must be met.",
                (0, 100),
            ),
        ),
    ),
    AlertKind(
        "roles_assigned_outside_pim",
        "RolesAssignedOutsidePimAlert",  # DC concepts/how-to-pim-alerts.md
        "rolesAssignedOutsidePrivilegedIdentityManagementAlertConfiguration",
        "Roles are being assigned outside of Privileged Identity Management",
    ),
    AlertKind(
        "no_mfa_on_activation",
        "NoMfaOnRoleActivationAlert",
        "noMfaOnRoleActivationAlertConfiguration",
        "Roles don't require multifactor authentication for activation",
    ),
    AlertKind(
        "stale_sign_in",
        "StaleSignInAlert",
        "staleSignInAlertConfiguration",
        "Potential stale accounts in a privileged role",
        (
            AlertParameter(
                "duration", "duration", "duration", "No sign-in for this long.", (DAY, 365 * DAY)
            ),
        ),
    ),
    AlertKind(
        "redundant_assignment",
        "RedundantAssignmentAlert",
        "redundantAssignmentAlertConfiguration",
        "Administrators aren't using their privileged roles",
        (
            AlertParameter(
                "duration", "duration", "duration", "No activation for this long.", (0, 100 * DAY)
            ),
        ),
    ),
    AlertKind(
        "sequential_activation_renewals",
        "SequentialActivationRenewalsAlert",
        "sequentialActivationRenewalsAlertConfiguration",
        "Roles are being activated too frequently",
        (
            AlertParameter(
                "renewals",
                "sequentialActivationCounterThreshold",
                "count",
                "Activations of one role by one user within `within`.",
                (2, 100),
            ),
            AlertParameter(
                "within",
                "timeIntervalBetweenActivations",
                "duration",
                "The window the renewals are counted in.",
            ),
        ),
    ),
    AlertKind(
        "invalid_license",
        "InvalidLicenseAlert",
        "invalidLicenseAlertConfiguration",
        "The organization doesn't have Microsoft Entra Premium P2 or Microsoft Entra ID Governance",
    ),
)
ALERTS_BY_NAME: Mapping[str, AlertKind] = MappingProxyType({k.name: k for k in ALERT_KINDS})


def is_percent(name: str, key: str) -> bool:
    """Whether an alert's parameter is a percentage (shown with its sign: ``30 %``)."""
    kind = ALERTS_BY_NAME.get(name)
    return kind is not None and any(p.key == key and p.kind == "percent" for p in kind.parameters)


def kind_of_definition(definition_id: str) -> AlertKind | None:
    """The alert of a Graph definition or configuration id (``DirectoryRole_<t>_<name>``)."""
    suffix = definition_id.rsplit("_", 1)[-1].casefold()
    return next((k for k in ALERT_KINDS if k.definition.casefold() == suffix), None)


@dataclass(frozen=True, slots=True)
class AlertSetting:
    """One alert's configuration, normalized: on/off and its parameters by ``pim.yaml`` key
    (``values`` sorted by key; ``count``/``percent`` as decimal strings, durations as
    ``format_duration`` spells them)."""

    name: str
    enabled: bool
    values: tuple[tuple[str, Leaf], ...] = ()

    def value(self, key: str) -> Leaf:
        return dict(self.values).get(key)


@dataclass(frozen=True)
class AlertConfig:
    """A live alert configuration: its setting, Graph id and raw object (for PATCH)."""

    setting: AlertSetting
    id: str
    raw: Mapping[str, object] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class AlertIncident:
    """One thing an open alert is about (``unifiedRoleManagementAlertIncident``): the
    principal (``assigneeId``), role, and a short description in words."""

    id: str
    subject_id: str | None = None
    subject_name: str | None = None
    role_name: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class OpenAlert:
    """An alert with ``isActive: true`` (``unifiedRoleManagementAlert``)."""

    name: str
    id: str
    title: str
    severity: str  # Graph's severityLevel: unknown | informational | low | medium | high
    incident_count: int
    last_scanned: datetime | None = None
    incidents: tuple[AlertIncident, ...] = ()


@dataclass(frozen=True)
class AlertState:
    """The tenant's alert configurations (by ``AlertKind.name``; unknown types are left out)
    and its open alerts, sorted by name."""

    configs: Mapping[str, AlertConfig]
    open: tuple[OpenAlert, ...] = ()
