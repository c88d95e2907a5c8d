"""Replication lag: real Graph is eventually consistent. A write lands on one replica and
reads may be served by another for a while; a principal created a moment ago is unknown to
PIM, whose schedule requests answer ``404 SubjectNotFound`` until it has replicated
(msgraph-sdk-dotnet#2772: "a replication delay in PIM which normally hovers in the tens of
seconds, but can take up to a minute or two"; EasyPIM#22: 5 to 30 s; a new custom role
answers ``RoleNotFound`` the same way, terraform-provider-azuread#1356).

The emulator keeps one primary copy (every write applies to it at once, so the checks a
write makes see every earlier write) and serves reads from a *view*: the primary with each
row whose last writes are younger than ``replication_lag_s`` shown as it was before them.
Time is counted on the emulator's ``lag_clock`` (monotonic seconds; tests inject one that
their injected sleep advances), not on its tenant clock, which tests pin."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pim_gitops.emulator.errors import GraphFault

#: The store's tables a write may change and a read may see lagging.
SCHEDULE_TABLES = ("eligibility", "assignment", "role_assignments", "requests")
POLICY_TABLES = ("policies", "group_policies", "group_policy_assignments")
#: PIM for Groups writes (``group_semantics.py``).
GROUP_TABLES = (
    "group_eligibility",
    "group_assignment",
    "group_requests",
    "group_members",
    "group_owners",
    "group_policies",
    "group_policy_assignments",
)
_ABSENT = object()


@dataclass(frozen=True)
class Pending:
    """A row's value before a write, shown until ``visible_at``."""

    visible_at: float
    table: str
    key: str
    before: Any  # the row, or _ABSENT when the write created it


@dataclass
class Replication:
    """The writes not yet replicated and the principals not yet known to PIM."""

    pending: list[Pending] = field(default_factory=list)
    #: Principal id → when it was created (``lag_clock`` seconds).
    born: dict[str, float] = field(default_factory=dict)

    def prune(self, now: float) -> None:
        self.pending = [p for p in self.pending if p.visible_at > now]


def tables_of(template: str) -> tuple[str, ...]:
    """The tables a write route may change."""
    if template.startswith("identityGovernance/privilegedAccess/group"):
        return GROUP_TABLES
    return POLICY_TABLES if template.startswith("policies/") else SCHEDULE_TABLES


def capture(store: Any, tables: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """A deep copy of ``tables`` before a write."""
    return {t: copy.deepcopy(getattr(store, t)) for t in tables}


def record(
    replication: Replication,
    store: Any,
    before: Mapping[str, Mapping[str, Any]],
    visible_at: float,
) -> None:
    """Remember the old value of every row the write changed, until ``visible_at``."""
    for table, old in before.items():
        new = getattr(store, table)
        for key in sorted(set(old) | set(new)):
            if old.get(key, _ABSENT) != new.get(key, _ABSENT):
                replication.pending.append(Pending(visible_at, table, key, old.get(key, _ABSENT)))


def lagged_view(store: Any, replication: Replication, now: float) -> Any:
    """``store`` as a replica shows it at ``now``: each row with unreplicated writes shown
    as it was before the oldest of them. The store itself is never changed."""
    replication.prune(now)
    if not replication.pending:
        return store
    view = copy.copy(store)
    shown: dict[str, dict[str, Any]] = {}
    seen: set[tuple[str, str]] = set()
    for item in replication.pending:  # oldest first: its ``before`` is what a replica has
        if (item.table, item.key) in seen:
            continue
        seen.add((item.table, item.key))
        table = shown.setdefault(item.table, dict(getattr(store, item.table)))
        if item.before is _ABSENT:
            table.pop(item.key, None)
        else:
            table[item.key] = item.before
    for name, table in shown.items():
        setattr(view, name, table)
    return view


def check_subject(replication: Replication, body: Any, now: float, principal_lag_s: float) -> None:
    """A schedule request naming a principal created less than ``principal_lag_s`` ago:
    ``404 SubjectNotFound`` "The subject is not found." (the code and message EasyPIM#22
    quotes; the issue reports it under 400, msgraph-sdk-dotnet#2772 as "Not Found": clients
    must go by the code)."""
    if not isinstance(body, Mapping):
        return
    born = replication.born.get(str(body.get("principalId") or ""))
    if born is not None and now - born < principal_lag_s:
        raise GraphFault(404, "SubjectNotFound", "The subject is not found.")
