"""A role's PIM policy settings, normalized (``state.py`` re-exports every name here).

The 17 rules of a policy (plus the custom extension rules where a policy has them) become
``RoleSettings``; ``settings_leaves`` spells them as policy-file paths (the policy-rule table's
unit) and ``settings_from_leaves`` reads them back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from pim_gitops.wire import format_duration, parse_duration

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
    #: The PIM custom extension called before (``CustomExtension_PreApproval_…``) and after
    #: approval (``…_PostApproval_…``): its id once resolved, a display name before; ``None``
    #: when the rule is absent, disabled or names no extension (``policy_rules/extensions``).
    pre_approval_extension: str | None = None
    post_approval_extension: str | None = None


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
    pre_approval_extension: str | None = None,
    post_approval_extension: str | None = None,
) -> ActivationSettings:
    return ActivationSettings(
        max_duration=max_duration,
        require_mfa=require_mfa,
        require_justification=require_justification,
        require_ticket=require_ticket,
        authentication_context=authentication_context or None,
        approval_required=approval_required,
        approvers=tuple(sorted(set(approvers))) if approval_required else (),
        pre_approval_extension=pre_approval_extension or None,
        post_approval_extension=post_approval_extension or None,
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
#: The policy-file paths of the custom extension rules (``policy_rules/extensions.py``).
PRE_APPROVAL_PATH = "activation.custom_extension"
POST_APPROVAL_PATH = "activation.post_approval_extension"
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
        PRE_APPROVAL_PATH: act.pre_approval_extension,
        POST_APPROVAL_PATH: act.post_approval_extension,
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


def _text(value: Leaf) -> str | None:
    return str(value) if isinstance(value, str) and value else None


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
        pre_approval_extension=_text(leaves[PRE_APPROVAL_PATH]),
        post_approval_extension=_text(leaves[POST_APPROVAL_PATH]),
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
