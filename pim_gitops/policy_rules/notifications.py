"""The nine notification rules (``Notification_<Recipient>_<Caller>_<Level>``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pim_gitops.policy_rules.common import COMMON_DOCS, NOTIFICATION_LEVELS
from pim_gitops.policy_rules.spec import (
    Leaves,
    PropertyDoc,
    RuleSpec,
    always_relax,
    bind,
    merge_values,
)
from pim_gitops.rawjson import RawObject
from pim_gitops.state import NOTIFICATION_EVENTS, NOTIFICATION_RECIPIENTS, Leaf, words_of

#: Notification events by the rule's caller and level.
EVENT_TARGETS = {
    "eligible_assigned": "Admin_Eligibility",
    "active_assigned": "Admin_Assignment",
    "activated": "EndUser_Assignment",
}


# --- notifications --------------------------------------------------------------------------


def read_notification(prefix: str, rule: RawObject) -> dict[str, Leaf]:
    level = rule.text("notificationLevel", optional=True) or "All"
    levels = {v: k for k, v in NOTIFICATION_LEVELS.items()}
    if level not in levels:
        raise rule.fail(f"unknown notificationLevel {level!r}")
    recipients = {r.strip().lower() for r in rule.strings("notificationRecipients")}
    return {
        f"{prefix}.default_recipients": rule.flag("isDefaultRecipientsEnabled", True),
        f"{prefix}.recipients": tuple(sorted(r for r in recipients if r)),
        f"{prefix}.critical_only": levels[level],
    }


def write_notification(prefix: str, live: Mapping[str, Any], want: Leaves) -> dict[str, Any]:
    critical = want[f"{prefix}.critical_only"]
    recipients = words_of(want[f"{prefix}.recipients"])
    return merge_values(
        live,
        {
            "notificationLevel": NOTIFICATION_LEVELS[
                "none" if critical in (None, "none") else bool(critical)  # None: an older plan
            ],
            "isDefaultRecipientsEnabled": bool(want[f"{prefix}.default_recipients"]),
            "notificationRecipients": list(recipients),
        },
    )


def _notification_docs(prefix: str) -> tuple[PropertyDoc, ...]:  # pragma: no mutate block
    return (
        PropertyDoc("notificationType", reason="Only `Email` exists."),
        PropertyDoc(
            "recipientType",
            prefix,
            note="Fixed per rule id (`admin` / `requestor` / `approver` in the path).",
        ),
        PropertyDoc(
            "notificationLevel",
            f"{prefix}.critical_only",
            note="`Critical` ⇔ `critical_only: true`, `All` ⇔ false, `None` (no e-mail; the "
            "portal does not offer it) ⇔ `critical_only: none`.",
        ),
        PropertyDoc("isDefaultRecipientsEnabled", f"{prefix}.default_recipients"),
        PropertyDoc(
            "notificationRecipients",
            f"{prefix}.recipients",
            note='A set of lower-cased e-mail addresses; `[]` ≡ missing ≡ `[""]`.',
        ),
    )


def notification_specs() -> list[RuleSpec]:  # pragma: no mutate block
    specs = []
    for event in NOTIFICATION_EVENTS:
        for who in NOTIFICATION_RECIPIENTS:
            prefix = f"notifications.{event}.{who}"
            specs.append(
                RuleSpec(
                    id=f"Notification_{who.capitalize()}_{EVENT_TARGETS[event]}",
                    kind="Notification",
                    paths=(
                        f"{prefix}.default_recipients",
                        f"{prefix}.recipients",
                        f"{prefix}.critical_only",
                    ),
                    read=bind(read_notification, prefix),
                    write=bind(write_notification, prefix),
                    phase=always_relax,
                    docs=_notification_docs(prefix) + COMMON_DOCS,
                )
            )
    return specs
