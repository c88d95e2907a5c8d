"""Access-review instances made from a definition's recurrence and the clock.

An instance is *materialized* (stored, frozen) once it has started: it keeps the scope,
reviewers, fallback reviewers and duration its definition had then, and its decision items are
the principals under review at that moment. A PUT materializes the instances started so far
before it changes the definition, so it affects only the instances that start after it ("Any
updates to an accessReviewScheduleDefinition only apply to future instances. Currently running
instances cannot be updated", DC accessreviewscheduledefinition-update.md). The next occurrence
is listed too, ``NotStarted``, from the current definition (after an instance "a new instance
is immediately created", DC concepts/tutorial-accessreviews-roleassignments.md Step 5).
Occurrences dated before the definition was created have no instance (*assumption*).

Instances are kept by id with the ``definitionId`` the snapshot carries; ids are
``uuid5(definition id, occurrence index)``. A seeded instance counts for its occurrence (same
start date); a seeded ``undecidedCount`` is honoured when its decisions are first made.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pim_gitops.emulator import review_rules, review_scope
from pim_gitops.wire import format_instant, parse_instant

if TYPE_CHECKING:
    from pim_gitops.emulator.store import Store

_NAMESPACE = uuid.UUID("0b8e7c1a-4a43-4b8e-9d67-6f1f3b2f7a10")
#: Keys the snapshot adds to Graph's accessReviewInstance (``read22``'s reader does too).
BOOKKEEPING = ("definitionId", "undecidedCount")


def instance_id(definition_id: str, index: int) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{definition_id}/{index}"))


def _created(definition: Mapping[str, Any]) -> datetime | None:
    text = definition.get("createdDateTime")
    try:
        return parse_instant(str(text)) if text else None
    except ValueError:
        return None


def _start(definition: Mapping[str, Any], day: Any) -> datetime:
    """An occurrence starts at midnight UTC of its date, or when the definition was created if
    that is later (the tutorial's first instance starts at creation)."""
    start = review_rules.midnight(day)
    created = _created(definition)
    return max(start, created) if created is not None and created.date() == day else start


def _make(definition: Mapping[str, Any], index: int, start: datetime) -> dict[str, Any]:
    days = int(definition["settings"]["instanceDurationInDays"])
    return {
        "id": instance_id(str(definition["id"]), index),
        "startDateTime": format_instant(start),
        "endDateTime": format_instant(start + timedelta(days=days)),
        "status": "NotStarted",
        "scope": copy.deepcopy(definition.get("scope")),
        "reviewers": copy.deepcopy(definition.get("reviewers") or []),
        "fallbackReviewers": copy.deepcopy(definition.get("fallbackReviewers") or []),
        "definitionId": str(definition["id"]),
    }


def instances_of(store: Store, definition_id: str) -> list[dict[str, Any]]:
    rows = [i for i in store.review_instances.values() if i.get("definitionId") == definition_id]
    return sorted(rows, key=lambda i: (str(i.get("startDateTime")), str(i.get("id"))))


def seeded_horizon(store: Store, definition_id: str) -> datetime | None:
    """Occurrences up to the latest seeded instance are the seed's business, not ours."""
    starts = [parse_instant(str(i["startDateTime"])) for i in instances_of(store, definition_id)]
    return max(starts) if starts else None


def materialize(store: Store, definition: Mapping[str, Any], now: datetime) -> None:
    """Store every occurrence that started after the definition's horizon and by ``now``."""
    definition_id = str(definition["id"])
    horizon = store.review_horizon.get(definition_id)
    seen = {str(i.get("startDateTime", ""))[:10] for i in instances_of(store, definition_id)}
    created = _created(definition)
    for index, day in review_rules.occurrences(definition["settings"]):
        start = _start(definition, day)
        if start > now:
            break
        if (horizon is not None and start <= horizon) or day.isoformat() in seen:
            continue
        if created is not None and start < created:
            continue  # no instance before the definition existed
        made = _make(definition, index, start)
        store.review_instances[made["id"]] = made
        store.review_decisions[made["id"]] = review_scope.decision_items(
            store, definition.get("scope"), made["id"]
        )
    if horizon is None or now > horizon:
        store.review_horizon[definition_id] = now


def upcoming(store: Store, definition: Mapping[str, Any], now: datetime) -> dict[str, Any] | None:
    """The next occurrence, not started yet, as the current definition would make it."""
    horizon = store.review_horizon.get(str(definition["id"]))
    for index, day in review_rules.occurrences(definition["settings"]):
        start = _start(definition, day)
        if start > now and (horizon is None or start > horizon):
            return _make(definition, index, start)
    return None


def shown(instance: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """An instance as Graph answers it: its status by the clock, no bookkeeping keys."""
    out = {k: copy.deepcopy(v) for k, v in instance.items() if k not in BOOKKEEPING}
    start = parse_instant(str(instance["startDateTime"]))
    end = parse_instant(str(instance["endDateTime"]))
    out["status"] = review_rules.instance_status(start, end, now, instance.get("status"))
    return out


def served(store: Store, definition: Mapping[str, Any], now: datetime) -> list[dict[str, Any]]:
    """The instances ``GET …/instances`` lists: those started, then the next one."""
    materialize(store, definition, now)
    rows = [shown(i, now) for i in instances_of(store, str(definition["id"]))]
    nxt = upcoming(store, definition, now)
    return rows + ([shown(nxt, now)] if nxt is not None else [])


def definition_status(store: Store, definition: Mapping[str, Any], now: datetime) -> str:
    """``NotStarted`` before the first instance, ``Completed`` once the last has ended,
    ``InProgress`` in between (the series is running; *assumption* between instances)."""
    rows = served(store, definition, now)
    if not rows or all(r["status"] == "NotStarted" for r in rows):
        return "NotStarted"
    if any(r["status"] in ("NotStarted", "InProgress") for r in rows):
        return "InProgress"
    return "Completed"


def decisions(store: Store, instance: Mapping[str, Any]) -> list[dict[str, Any]]:
    """An instance's decision items; a seeded one's are made on first use from the scope, the
    first ``undecidedCount`` (by principal id) left ``NotReviewed`` and the others approved."""
    iid = str(instance["id"])
    if iid not in store.review_decisions:
        items = review_scope.decision_items(store, instance.get("scope"), iid)
        undecided = instance.get("undecidedCount")
        if isinstance(undecided, int):
            for position, item in enumerate(items):
                if position >= undecided:
                    item["decision"] = "Approve"
        store.review_decisions[iid] = items
    return store.review_decisions[iid]


def snapshot(store: Store, captured_at: str) -> dict[str, Any]:
    """``accessReviewDefinitions`` and ``accessReviewInstances`` (with ``definitionId`` and
    ``undecidedCount``) at ``captured_at``, written when they hold something or the seed had
    them."""
    out: dict[str, Any] = {}
    rows = []
    if not (store.review_definitions or store.review_instances):
        now = datetime.min.replace(tzinfo=UTC)
    else:
        now = parse_instant(captured_at)
    for definition in store.review_definitions.values():
        materialize(store, definition, now)
    for key in sorted(store.review_instances):
        instance = store.review_instances[key]
        row = shown(instance, now) | {"definitionId": instance["definitionId"]}
        undecided = [d for d in decisions(store, instance) if d["decision"] == "NotReviewed"]
        rows.append(row | {"undecidedCount": len(undecided)})
    definitions = [
        copy.deepcopy(store.review_definitions[k]) for k in sorted(store.review_definitions)
    ]
    for definition in definitions:
        definition["status"] = definition_status(store, definition, now)
    if definitions or "accessReviewDefinitions" in store.initial:
        out["accessReviewDefinitions"] = definitions
    if rows or "accessReviewInstances" in store.initial:
        out["accessReviewInstances"] = rows
    return out
