"""The normalized, hashable state both sides of a comparison produce.

``compile.py`` turns policy files into these types, ``normalize.py`` turns raw Graph JSON
into them, and the differ compares like with like. Normalization rules live in the
constructors below and in those two modules, never in the differ:

* durations are whole seconds (``P1D`` == ``PT24H``);
* sets are sorted tuples (enabled rules, approvers, recipients);
* a maximum duration is ``None`` where permanence is allowed (Graph ignores it then);
* approvers are empty while approval is off (Graph keeps stale stages then);
* recipients are lower-cased e-mail addresses without empty strings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from pim_gitops.alerts import AlertState
    from pim_gitops.history import RequestHistory
    from pim_gitops.reviews import ReviewState
from pim_gitops.targets import parse_group_target
from pim_gitops.wire import format_duration, parse_duration

Kind = Literal["eligible", "active"]
KINDS: tuple[Kind, ...] = ("eligible", "active")

NOTIFICATION_EVENTS = ("eligible_assigned", "active_assigned", "activated")
NOTIFICATION_RECIPIENTS = ("admin", "requestor", "approver")
NOTIFICATION_LEVELS = ("All", "Critical", "None")


@dataclass(frozen=True, slots=True)
class ActivationSettings:
    """What a user must do to activate an eligible assignment."""

    max_duration: int
    require_mfa: bool
    require_justification: bool
    require_ticket: bool
    authentication_context: str | None
    approval_required: bool
    #: ``user:<id>`` / ``group:<id>`` once resolved; policy references before that.
    approvers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AssignmentRules:
    """What an administrator's eligible or active assignment may look like."""

    allow_permanent: bool
    max_duration: int | None
    require_mfa: bool
    require_justification: bool


@dataclass(frozen=True, slots=True)
class NotificationSettings:
    default_recipients: bool
    recipients: tuple[str, ...]
    level: str


def named_flags(names: tuple[str, str, str], *flags: bool | None) -> list[str]:
    """The names of the requirements that are on, in a fixed order
    (``mfa``/``justification``/``ticket`` in policy files, Graph's ``enabledRules`` words)."""
    return [name for name, on in zip(names, flags, strict=False) if on]


def notification_key(event: str, recipient: str) -> str:
    return f"{event}.{recipient}"


NOTIFICATION_KEYS = tuple(
    notification_key(event, who) for event in NOTIFICATION_EVENTS for who in NOTIFICATION_RECIPIENTS
)


@dataclass(frozen=True, slots=True)
class RoleSettings:
    """The 17 rules of one directory role's PIM policy, normalized."""

    activation: ActivationSettings
    eligible_assignment: AssignmentRules
    active_assignment: AssignmentRules
    #: ``(event.recipient, settings)`` in ``NOTIFICATION_KEYS`` order.
    notifications: tuple[tuple[str, NotificationSettings], ...]

    def notification(self, event: str, recipient: str) -> NotificationSettings:
        return dict(self.notifications)[notification_key(event, recipient)]


def make_activation(
    *,
    max_duration: int,
    require_mfa: bool,
    require_justification: bool,
    require_ticket: bool,
    authentication_context: str | None,
    approval_required: bool,
    approvers: tuple[str, ...] | list[str],
) -> ActivationSettings:
    return ActivationSettings(
        max_duration=max_duration,
        require_mfa=require_mfa,
        require_justification=require_justification,
        require_ticket=require_ticket,
        authentication_context=authentication_context or None,
        approval_required=approval_required,
        approvers=tuple(sorted(set(approvers))) if approval_required else (),
    )


def make_assignment_rules(
    *,
    allow_permanent: bool,
    max_duration: int | None,
    require_mfa: bool,
    require_justification: bool,
) -> AssignmentRules:
    return AssignmentRules(
        allow_permanent=allow_permanent,
        max_duration=None if allow_permanent else max_duration,
        require_mfa=require_mfa,
        require_justification=require_justification,
    )


def make_notification(
    *, default_recipients: bool, recipients: tuple[str, ...] | list[str], level: str
) -> NotificationSettings:
    cleaned = sorted({r.strip().lower() for r in recipients if r and r.strip()})
    return NotificationSettings(
        default_recipients=default_recipients, recipients=tuple(cleaned), level=level
    )


#: One setting's value in policy-file words, canonical so that equal means equal: a duration
#: as ``format_duration`` spells it, a set as a sorted tuple, ``None`` for "not set".
Leaf = str | bool | None | tuple[str, ...]
REQUIRE_WORDS = ("mfa", "justification", "ticket")
#: Graph's notification levels as the ``critical_only`` leaf (and policy word) says them.
LEVEL_LEAF: dict[str, bool | Literal["none"]] = {"All": False, "Critical": True, "None": "none"}


def _words(mfa: bool, justification: bool, ticket: bool = False) -> tuple[str, ...]:
    return tuple(named_flags(REQUIRE_WORDS, mfa, justification, ticket))


def _duration_leaf(seconds: int | None) -> str | None:
    return None if seconds is None else format_duration(seconds)


def settings_leaves(settings: RoleSettings) -> dict[str, Leaf]:
    """Every setting by the policy-file path a user edits (``activation.require``)."""
    act = settings.activation
    leaves: dict[str, Leaf] = {
        "activation.max_duration": _duration_leaf(act.max_duration),
        "activation.require": _words(
            act.require_mfa, act.require_justification, act.require_ticket
        ),
        "activation.authentication_context": act.authentication_context,
        "activation.approval.required": act.approval_required,
        "activation.approval.approvers": act.approvers,
    }
    for name in ("eligible_assignment", "active_assignment"):
        rules: AssignmentRules = getattr(settings, name)
        leaves[f"{name}.allow_permanent"] = rules.allow_permanent
        leaves[f"{name}.max_duration"] = _duration_leaf(rules.max_duration)
        leaves[f"{name}.require"] = _words(rules.require_mfa, rules.require_justification)
    for key, note in settings.notifications:
        leaves[f"notifications.{key}.default_recipients"] = note.default_recipients
        leaves[f"notifications.{key}.recipients"] = note.recipients
        leaves[f"notifications.{key}.critical_only"] = LEVEL_LEAF[note.level]
    return leaves


def _seconds(value: Leaf) -> int | None:
    return None if value is None else parse_duration(str(value))


def words_of(value: Leaf) -> tuple[str, ...]:
    """A set-valued leaf as a tuple (``()`` for anything else)."""
    return value if isinstance(value, tuple) else ()


def settings_from_leaves(leaves: Mapping[str, Leaf]) -> RoleSettings:
    """The inverse of ``settings_leaves``; every path must be present."""
    require = words_of(leaves["activation.require"])
    activation = make_activation(
        max_duration=_seconds(leaves["activation.max_duration"]) or 0,
        require_mfa="mfa" in require,
        require_justification="justification" in require,
        require_ticket="ticket" in require,
        authentication_context=str(leaves["activation.authentication_context"] or "") or None,
        approval_required=bool(leaves["activation.approval.required"]),
        approvers=words_of(leaves["activation.approval.approvers"]),
    )

    def rules(name: str) -> AssignmentRules:
        words = words_of(leaves[f"{name}.require"])
        return make_assignment_rules(
            allow_permanent=bool(leaves[f"{name}.allow_permanent"]),
            max_duration=_seconds(leaves[f"{name}.max_duration"]),
            require_mfa="mfa" in words,
            require_justification="justification" in words,
        )

    levels = {v: k for k, v in LEVEL_LEAF.items()}
    notifications = tuple(
        (
            key,
            make_notification(
                default_recipients=bool(leaves[f"notifications.{key}.default_recipients"]),
                recipients=words_of(leaves[f"notifications.{key}.recipients"]),
                level=levels[leaves[f"notifications.{key}.critical_only"]],  # type: ignore[index]
            ),
        )
        for key in NOTIFICATION_KEYS
    )
    return RoleSettings(
        activation, rules("eligible_assignment"), rules("active_assignment"), notifications
    )


#: Entra's settings for a directory role that was never edited (graph-pim.md §3).
ENTRA_DEFAULT_SETTINGS = RoleSettings(
    activation=make_activation(
        max_duration=8 * 3600,
        require_mfa=True,
        require_justification=True,
        require_ticket=False,
        authentication_context=None,
        approval_required=False,
        approvers=(),
    ),
    eligible_assignment=make_assignment_rules(
        allow_permanent=True, max_duration=None, require_mfa=False, require_justification=False
    ),
    active_assignment=make_assignment_rules(
        allow_permanent=True, max_duration=None, require_mfa=False, require_justification=True
    ),
    notifications=tuple(
        (key, make_notification(default_recipients=True, recipients=(), level="All"))
        for key in NOTIFICATION_KEYS
    ),
)
#: Entra's maximums where a policy forbids permanence but names none.
ENTRA_DEFAULT_MAX = {"eligible_assignment": 365 * 86400, "active_assignment": 180 * 86400}


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
