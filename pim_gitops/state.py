"""The normalized, hashable state both sides of a comparison produce.

``compile.py`` turns policy files into these types, ``normalize.py`` turns raw Graph JSON
into them, and the differ compares like with like. Normalization rules live in the
constructors below and in those two modules, never in the differ:

* durations are whole seconds (``P1D`` == ``PT24H``);
* sets are sorted tuples (enabled rules, approvers, recipients);
* a maximum duration is ``None`` where permanence is allowed (Graph ignores it then);
* approvers are empty while approval is off (Graph keeps stale stages then);
* recipients are lower-cased e-mail addresses without empty strings.

The settings types and their leaves live in ``role_settings`` (re-exported here)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from pim_gitops.alerts import AlertState
    from pim_gitops.history import RequestHistory
    from pim_gitops.reviews import ReviewState
from pim_gitops.role_settings import (
    ENTRA_DEFAULT_MAX,
    ENTRA_DEFAULT_SETTINGS,
    LEVEL_LEAF,
    NOTIFICATION_EVENTS,
    NOTIFICATION_KEYS,
    NOTIFICATION_LEVELS,
    NOTIFICATION_RECIPIENTS,
    POST_APPROVAL_PATH,
    PRE_APPROVAL_PATH,
    REQUIRE_WORDS,
    ActivationSettings,
    AssignmentRules,
    Leaf,
    NotificationSettings,
    RoleSettings,
    make_activation,
    make_assignment_rules,
    make_notification,
    named_flags,
    notification_key,
    settings_from_leaves,
    settings_leaves,
    words_of,
)
from pim_gitops.targets import parse_group_target

Kind = Literal["eligible", "active"]
KINDS: tuple[Kind, ...] = ("eligible", "active")


@dataclass(frozen=True, slots=True, order=True)
class Assignment:
    """One eligible or active assignment of a role to a principal at a scope."""

    role_id: str
    principal_id: str
    scope: str
    kind: Kind
    #: ``None`` for permanent.
    end: datetime | None = None
    start: datetime | None = None
    #: Tenant side: the schedule's id; ``None`` on the desired side.
    schedule_id: str | None = field(default=None, compare=False)
    #: Tenant side: made outside PIM (a direct role assignment; ``createdUsing`` is null).
    outside_pim: bool = field(default=False, compare=False)
    #: Tenant side: the ``roleAssignments`` id of a direct assignment with no schedule.
    direct_id: str | None = field(default=None, compare=False)
    #: Tenant side: the request (id, status) of an assignment with no schedule yet (a future
    #: start, or a request in flight; ``outside.py``).
    request: tuple[str, str] | None = field(default=None, compare=False)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.role_id, self.principal_id, self.scope, self.kind)

    @property
    def permanent(self) -> bool:
        return self.end is None


@dataclass(frozen=True, slots=True)
class RoleDefinition:
    id: str
    template_id: str
    display_name: str
    is_builtin: bool
    is_enabled: bool = True
    #: Microsoft's ``isPrivileged`` mark, when the reader got it.
    is_privileged: bool | None = None


@dataclass(frozen=True, slots=True)
class Principal:
    id: str
    #: ``user`` | ``group`` | ``servicePrincipal`` | ``other``
    type: str
    display_name: str = ""
    user_principal_name: str | None = None
    app_id: str | None = None
    mail: str | None = None
    user_type: str | None = None
    on_premises_sync_enabled: bool | None = None
    on_premises_immutable_id: str | None = None
    account_enabled: bool | None = None
    is_assignable_to_role: bool | None = None

    @property
    def reference(self) -> str:
        """How a policy file names this principal."""
        if self.type == "user" and self.user_principal_name:
            return f"user:{self.user_principal_name}"
        if self.type == "group" and self.display_name:
            return f"group:{self.display_name}"
        if self.type == "servicePrincipal" and self.app_id:
            return f"sp:{self.app_id}"
        return self.id


@dataclass(frozen=True, slots=True)
class RolePolicy:
    """A role's policy as read from Graph: normalized settings plus what the writer needs."""

    policy_id: str
    role_id: str
    settings: RoleSettings
    #: The raw rules by id, kept so a PATCH can echo each live rule's ``target``.
    raw_rules: Mapping[str, Mapping[str, object]]
    last_modified: str | None = None
    last_modified_by: str | None = None


@dataclass(frozen=True, slots=True)
class AdministrativeUnit:
    id: str
    display_name: str
    restricted: bool | None = None  # ``isMemberManagementRestricted``, when read


@dataclass(frozen=True, slots=True)
class DirectRoleAssignment:
    """A row of ``roleAssignments``: who holds a role now, through PIM or not."""

    id: str
    role_id: str
    principal_id: str
    scope: str


@dataclass(frozen=True, slots=True)
class CustomExtension:
    """A PIM custom extension (``roleManagementCustomCalloutExtension``) a policy may call."""

    id: str
    display_name: str
    #: ``entraRoles`` | ``entraGroups`` | ``azureResources`` (Graph's ``resourceType``).
    resource_type: str | None = None


@dataclass(frozen=True)
class TenantState:
    """Everything about a tenant's PIM that planning and linting need."""

    tenant_id: str
    roles: Mapping[str, RoleDefinition]
    policies: Mapping[str, RolePolicy]
    assignments: tuple[Assignment, ...]
    principals: Mapping[str, Principal]
    group_members: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    role_assignments: tuple[DirectRoleAssignment, ...] = ()
    #: Schedules at scopes other than ``/`` (administrative units, objects): never managed.
    unmanaged_scoped: tuple[Assignment, ...] = ()
    #: Roles whose policy could not be read, with the reason (graph-pim.md §9.13).
    policy_errors: Mapping[str, str] = field(default_factory=dict)
    #: Snapshot file: the references (casefolded) it looked up; ``None`` for a live read.
    looked_up: frozenset[str] | None = None
    #: Authentication context id → published (``isAvailable``); ``None``: not read.
    authentication_contexts: Mapping[str, bool] | None = None
    #: Kinds (``eligible``/``active``) whose schedule requests could not be listed, with why
    #: (``requestReadErrors``): their not-yet-started assignments are invisible.
    unlisted_requests: Mapping[str, str] = field(default_factory=dict)
    #: PIM-for-Groups policies by group target (``targets.group_target``, also their
    #: ``role_id``), and membership/ownership schedules as ``Assignment`` rows (``role_id``
    #: the target, scope ``/``; filtered as role schedules are).
    group_policies: Mapping[str, RolePolicy] = field(default_factory=dict)
    group_assignments: tuple[Assignment, ...] = ()
    #: Groups (ids, lower case) whose PIM schedules were read; others: unknown, fail closed.
    pim_groups_read: frozenset[str] = frozenset()
    administrative_units: Mapping[str, AdministrativeUnit] | None = None  # None: not read
    #: Access reviews, PIM alerts and request history; ``None``: not read, and why if refused.
    reviews: ReviewState | None = None
    review_read_error: str | None = None
    alerts: AlertState | None = None
    alert_read_error: str | None = None
    history: RequestHistory | None = None
    #: PIM custom extensions by id (``extension_wire``); ``None``: not read, and why.
    custom_extensions: Mapping[str, CustomExtension] | None = None
    custom_extension_read_error: str | None = None

    def policy_of(self, target: str) -> RolePolicy | None:
        """The policy of a directory role (by role id) or of a group target."""
        return (self.group_policies if parse_group_target(target) else self.policies).get(target)

    def assignments_of(self, target: str) -> tuple[Assignment, ...]:
        """Every live assignment of a directory role or of a group target."""
        rows = self.group_assignments if parse_group_target(target) else self.assignments
        return tuple(a for a in rows if a.role_id == target)

    def role_by_template(self, template_id: str) -> RoleDefinition | None:
        found = (r for r in self.roles.values() if template_id in (r.template_id, r.id))
        return next(found, None)


__all__ = [
    "ENTRA_DEFAULT_MAX",
    "ENTRA_DEFAULT_SETTINGS",
    "KINDS",
    "LEVEL_LEAF",
    "NOTIFICATION_EVENTS",
    "NOTIFICATION_KEYS",
    "NOTIFICATION_LEVELS",
    "NOTIFICATION_RECIPIENTS",
    "POST_APPROVAL_PATH",
    "PRE_APPROVAL_PATH",
    "REQUIRE_WORDS",
    "ActivationSettings",
    "AdministrativeUnit",
    "Assignment",
    "AssignmentRules",
    "CustomExtension",
    "DirectRoleAssignment",
    "Kind",
    "Leaf",
    "NotificationSettings",
    "Principal",
    "RoleDefinition",
    "RolePolicy",
    "RoleSettings",
    "TenantState",
    "make_activation",
    "make_assignment_rules",
    "make_notification",
    "named_flags",
    "notification_key",
    "settings_from_leaves",
    "settings_leaves",
    "words_of",
]
