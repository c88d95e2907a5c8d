"""Merged policy settings (typed, policy words) ↔ the normalized ``RoleSettings`` of
``state.py``. Nothing here parses text: durations are already seconds."""

from __future__ import annotations

from typing import Any, TypeVar

from pim_gitops.model import Activation, AssignmentRulesSpec, Notifications, Settings
from pim_gitops.state import (
    ENTRA_DEFAULT_MAX,
    LEVEL_LEAF,
    NOTIFICATION_EVENTS,
    NOTIFICATION_RECIPIENTS,
    ActivationSettings,
    AssignmentRules,
    NotificationSettings,
    RoleSettings,
    make_activation,
    make_assignment_rules,
    make_notification,
    named_flags,
    notification_key,
)
from pim_gitops.wire import format_duration

T = TypeVar("T")


def _present(value: T | None, path: str) -> T:
    """A field the merge always fills (Entra's defaults are the bottom layer)."""
    if value is None:
        raise AssertionError(f"merged settings lack {path}")  # a bug, not user input
    return value


def _activation(act: Activation) -> ActivationSettings:
    approval = _present(act.approval, "activation.approval")
    approvers = approval.approvers or ()
    required = approval.required if approval.required is not None else bool(approvers)
    require = _present(act.require, "activation.require")
    return make_activation(
        max_duration=_present(act.max_duration, "activation.max_duration"),
        require_mfa="mfa" in require,
        require_justification="justification" in require,
        require_ticket="ticket" in require,
        authentication_context=act.authentication_context,
        approval_required=required,
        approvers=approvers,
        pre_approval_extension=act.custom_extension,
        post_approval_extension=act.post_approval_extension,
    )


def _rules(spec: AssignmentRulesSpec, name: str) -> AssignmentRules:
    require = _present(spec.require, f"{name}.require")
    return make_assignment_rules(
        allow_permanent=_present(spec.allow_permanent, f"{name}.allow_permanent"),
        max_duration=spec.max_duration
        if spec.max_duration is not None
        else ENTRA_DEFAULT_MAX[name],
        require_mfa="mfa" in require,
        require_justification="justification" in require,
    )


def _notification(notifications: Notifications, event: str, who: str) -> NotificationSettings:
    path = f"notifications.{event}.{who}"
    spec = _present(getattr(_present(getattr(notifications, event), path), who), path)
    return make_notification(
        default_recipients=_present(spec.default_recipients, f"{path}.default_recipients"),
        recipients=spec.recipients or (),
        level=policy_level(spec.critical_only),
    )


def policy_level(critical_only: bool | str | None) -> str:
    """``critical_only`` → Graph's ``notificationLevel`` (``state.LEVEL_LEAF`` inverted);
    unset (``None``) is Entra's default, ``All``."""
    if critical_only == "none":
        return "None"
    return "Critical" if critical_only is True else "All"


def role_settings(merged: Settings) -> RoleSettings:
    """Complete merged settings (policy words) → normalized settings."""
    notifications = _present(merged.notifications, "notifications")
    return RoleSettings(
        activation=_activation(_present(merged.activation, "activation")),
        eligible_assignment=_rules(
            _present(merged.eligible_assignment, "eligible_assignment"), "eligible_assignment"
        ),
        active_assignment=_rules(
            _present(merged.active_assignment, "active_assignment"), "active_assignment"
        ),
        notifications=tuple(
            (notification_key(event, who), _notification(notifications, event, who))
            for event in NOTIFICATION_EVENTS
            for who in NOTIFICATION_RECIPIENTS
        ),
    )


# --- normalized settings → policy words ------------------------------------------------------


def require_words(mfa: bool, justification: bool, ticket: bool | None = None) -> list[str]:
    """The policy words of the requirements that are on (``[mfa, justification]``)."""
    return named_flags(("mfa", "justification", "ticket"), mfa, justification, ticket)


def _rules_dict(rules: AssignmentRules) -> dict[str, Any]:
    entry: dict[str, Any] = {"allow_permanent": rules.allow_permanent}
    if rules.max_duration is not None:
        entry["max_duration"] = format_duration(rules.max_duration)
    entry["require"] = require_words(rules.require_mfa, rules.require_justification)
    return entry


def _notification_dict(n: NotificationSettings) -> dict[str, Any]:
    return {
        "default_recipients": n.default_recipients,
        "recipients": list(n.recipients),
        "critical_only": LEVEL_LEAF[n.level],
    }


def settings_to_dict(settings: RoleSettings) -> dict[str, Any]:
    """Normalized settings → the policy-file words (what ``export`` writes)."""
    act = settings.activation
    approval: dict[str, Any] = {"required": act.approval_required}
    if act.approval_required:
        approval["approvers"] = list(act.approvers)
    out: dict[str, Any] = {
        "activation": {
            "max_duration": format_duration(act.max_duration),
            "require": require_words(
                act.require_mfa, act.require_justification, act.require_ticket
            ),
            "authentication_context": act.authentication_context,
            "approval": approval,
            "custom_extension": act.pre_approval_extension,
            "post_approval_extension": act.post_approval_extension,
        },
        "eligible_assignment": _rules_dict(settings.eligible_assignment),
        "active_assignment": _rules_dict(settings.active_assignment),
    }
    out["notifications"] = {
        event: {
            who: _notification_dict(settings.notification(event, who))
            for who in NOTIFICATION_RECIPIENTS
        }
        for event in NOTIFICATION_EVENTS
    }
    return out
