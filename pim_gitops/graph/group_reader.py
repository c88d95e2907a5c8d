"""Read PIM for Groups and administrative units, in ``$batch``es of 20.

Graph has no tenant-wide read of PIM for Groups: the schedule collections "require" a
``$filter`` on ``groupId`` or ``principalId`` (graph-pim.md §6), and the group policies and
their assignments are filtered by ``scopeId eq '<groupId>' and scopeType eq 'Group'`` (``eq``
only). So the fewest requests are **one per group per collection**: 4 per group (policies with
their rules, policy assignments, eligibility schedules, assignment schedules), sent as
``$batch`` items, 20 to a batch: ``ceil(4 N / 20)`` HTTP requests for N groups, plus one per
further page (``LOWER_BOUND_PER_GROUP``). The members of the same groups are read the same way
(one batch item per group).

Which groups (``reader.fetch_snapshot``): every role-assignable group that holds a directory
role (eligible, active or outside PIM, at any scope; managed or not: effective access and
posture), plus the groups a caller names (the managed ones: ``complete_groups``).

A group Graph refuses to read (a 400, 403 or 404: e.g. the ``…AzureADGroup`` read permissions
are missing) is recorded in ``privilegedAccessGroupReadErrors`` and left out of
``privilegedAccessGroupsRead``: unknown, and the plan fails closed on it. Anything else (a
5xx, throttling past the budget) fails the read as every other collection does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from pim_gitops.errors import GraphError
from pim_gitops.graph.batch import BatchItem, send_batched
from pim_gitops.graph.envelopes import parse_page
from pim_gitops.graph.transport import GraphTransport, error_from, gather_or_cancel
from pim_gitops.graph.words import WORDS
from pim_gitops.normalize_groups import (
    ADMINISTRATIVE_UNITS,
    GROUP_ASSIGNMENT,
    GROUP_ELIGIBILITY,
    GROUP_READ_ERRORS,
    GROUPS_READ,
)
from pim_gitops.snapshot import canonical_snapshot
from pim_gitops.state import Principal, TenantState
from pim_gitops.wire import is_guid

if TYPE_CHECKING:
    from pim_gitops.compile import DesiredState

GROUP_API = "/identityGovernance/privilegedAccess/group"
#: The collections read per group: (key, path, the ``$filter`` of one group, extra options).
GROUP_COLLECTIONS: tuple[tuple[str, str, str, dict[str, str]], ...] = (
    (
        "roleManagementPolicies",
        "/policies/roleManagementPolicies",
        "scopeId eq '{gid}' and scopeType eq 'Group'",
        {"$expand": "rules"},
    ),
    (
        "roleManagementPolicyAssignments",
        "/policies/roleManagementPolicyAssignments",
        "scopeId eq '{gid}' and scopeType eq 'Group'",
        {},
    ),
    (GROUP_ELIGIBILITY, f"{GROUP_API}/eligibilitySchedules", "groupId eq '{gid}'", {}),
    (GROUP_ASSIGNMENT, f"{GROUP_API}/assignmentSchedules", "groupId eq '{gid}'", {}),
)
#: The lower bound of batch items per group: one per collection above.
LOWER_BOUND_PER_GROUP = len(GROUP_COLLECTIONS)
#: Statuses that make one group unreadable (recorded, fail closed), not the whole read.
UNREADABLE = frozenset({400, 403, 404})
AU_PROPERTIES = ("id", "displayName", "isMemberManagementRestricted")
TOP = "999"


def _url(path: str, params: Mapping[str, str]) -> str:
    return f"{path}?{urlencode(params, quote_via=quote, safe='$,()=')}"


def group_items(group_id: str) -> list[BatchItem]:
    """The batch items that read one group's PIM for Groups (``GROUP_COLLECTIONS``)."""
    return [
        BatchItem(
            key=f"{group_id}|{name}",
            method="GET",
            url=_url(path, {"$filter": where.format(gid=group_id), **extra}),
            target=f"{name} of group {group_id}",
        )
        for name, path, where, extra in GROUP_COLLECTIONS
    ]


def member_items(group_ids: Iterable[str], top: bool = True) -> list[BatchItem]:
    """One batch item per group: its direct members' ids (in pages of 999, the largest
    ``$top`` the reader asks for, unless ``top`` is off)."""
    return [
        BatchItem(
            key=g,
            method="GET",
            url=_url(f"/groups/{g}/members", {"$select": "id", **({"$top": TOP} if top else {})}),
            target=f"members of group {g}",
        )
        for g in group_ids
    ]


async def batched_pages(
    transport: GraphTransport, items: Sequence[BatchItem]
) -> dict[str, list[Any] | GraphError]:
    """Each item's whole collection (its further pages followed by the transport's paging
    rules), or the ``GraphError`` Graph answered it with."""
    outcomes = await send_batched(transport, items)
    found: dict[str, list[Any] | GraphError] = {}
    for item in items:
        outcome = outcomes[item.key]
        if isinstance(outcome, GraphError):
            found[item.key] = outcome
            continue
        if not 200 <= outcome.status < 300:  # a 3xx inside a batch is not a page either
            found[item.key] = error_from(outcome, item.method, item.url, item.target)
            continue
        page = parse_page(outcome, method=item.method, url=item.url, target=item.target)
        rows = list(page.value)
        if page.next_link:
            rows += await transport.get_all(page.next_link, target=item.target)
        found[item.key] = rows
    return found


async def read_members(transport: GraphTransport, group_ids: Sequence[str]) -> dict[str, list[str]]:
    """Direct members (ids) of each group, one batch item per group; where Graph refuses
    ``$top`` (a 400 not in words), those groups once again without it. Any other failure
    fails the read."""
    pages = await batched_pages(transport, member_items(group_ids))
    refused = [g for g in group_ids if _refused_top(pages[g])]
    if refused:
        pages |= await batched_pages(transport, member_items(refused, top=False))
    members: dict[str, list[str]] = {}
    for group_id in group_ids:
        rows = pages[group_id]
        if isinstance(rows, GraphError):
            raise rows
        members[group_id] = sorted(str(m["id"]) for m in rows)
    return members


def _refused_top(outcome: list[Any] | GraphError) -> bool:
    return isinstance(outcome, GraphError) and outcome.status == 400 and outcome.code not in WORDS


@dataclass
class GroupRead:
    """What reading PIM for Groups found: the snapshot's collections, by snapshot key."""

    collections: dict[str, list[Any]] = field(
        default_factory=lambda: {name: [] for name, *_ in GROUP_COLLECTIONS}
    )
    read: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    def principals(self) -> set[str]:
        """Everyone the group schedules name, and the group policies' approvers."""
        return {
            str(row["principalId"])
            for name in (GROUP_ELIGIBILITY, GROUP_ASSIGNMENT)
            for row in self.collections[name]
            if isinstance(row, Mapping) and row.get("principalId")
        } | approver_ids(self.collections["roleManagementPolicies"])

    def merged_into(self, snapshot: Mapping[str, Any]) -> dict[str, Any]:
        """``snapshot`` with these groups added (a group read again replaces its rows)."""
        fresh = {g.lower() for g in (*self.read, *self.errors)}
        out = dict(snapshot)
        for name, rows in self.collections.items():
            kept = [r for r in snapshot.get(name) or [] if _group_of(r) not in fresh]
            out[name] = [*kept, *rows]
        out[GROUPS_READ] = sorted({*(snapshot.get(GROUPS_READ) or []), *self.read})
        errors = {k: v for k, v in (snapshot.get(GROUP_READ_ERRORS) or {}).items()}
        errors = {k: v for k, v in errors.items() if k.lower() not in fresh} | self.errors
        if errors:
            out[GROUP_READ_ERRORS] = dict(sorted(errors.items()))
        return out


def _group_of(row: Any) -> str | None:
    """The group a raw PIM-for-Groups object belongs to (``None`` for a directory one)."""
    if not isinstance(row, Mapping):
        return None
    if row.get("groupId"):
        return str(row["groupId"]).lower()
    if str(row.get("scopeType") or "").casefold() == "group" and row.get("scopeId"):
        return str(row["scopeId"]).lower()
    return None


def _reason(error: GraphError) -> str:
    return f"{error.status} {error.code or ''}".strip() + f" on {error.target or error.url}"


async def read_groups(transport: GraphTransport, group_ids: Iterable[str]) -> GroupRead:
    """PIM for Groups of each group: 4 batch items per group (``group_items``)."""
    ids = sorted({g.lower() for g in group_ids})
    pages = await batched_pages(transport, [item for g in ids for item in group_items(g)])
    result = GroupRead()
    for group_id in ids:
        mine = {name: pages[f"{group_id}|{name}"] for name, *_ in GROUP_COLLECTIONS}
        errors = [e for e in mine.values() if isinstance(e, GraphError)]
        for error in errors:
            if error.status not in UNREADABLE:
                raise error
        if errors:
            result.errors[group_id] = _reason(errors[0])
            continue
        result.read.append(group_id)
        for name, rows in mine.items():
            assert not isinstance(rows, GraphError)
            result.collections[name] += rows
    return result


def nested_groups(
    read: GroupRead, objects: Iterable[Mapping[str, Any]], members: Mapping[str, Any]
) -> list[str]:
    """The groups the schedules read make members of another group, whose members were not
    read yet: an active member of such a group can activate its eligible membership
    (``access_paths``), so who they are is effective access."""
    groups = {str(o["id"]) for o in objects if str(o.get("@odata.type", "")).endswith(".group")}
    named = {
        str(row.get("principalId"))
        for name in (GROUP_ELIGIBILITY, GROUP_ASSIGNMENT)
        for row in read.collections[name]
        if isinstance(row, Mapping) and str(row.get("accessId") or "").casefold() == "member"
    }
    have = {g.lower() for g in members}
    return sorted(g for g in named & groups if g.lower() not in have)


def approver_ids(policies: Iterable[Mapping[str, Any]]) -> set[str]:
    """The users and groups the policies name as approvers."""
    ids: set[str] = set()
    for policy in policies:
        for rule in policy.get("rules") or []:
            setting = rule.get("setting") if isinstance(rule, Mapping) else None
            if not isinstance(setting, Mapping):
                continue
            for stage in setting.get("approvalStages") or []:
                for approver in (stage or {}).get("primaryApprovers") or []:
                    for key in ("userId", "groupId", "id"):
                        if isinstance(approver, Mapping) and approver.get(key):
                            ids.add(str(approver[key]))
                            break
    return ids


def groups_to_expand(objects: list[dict[str, Any]], wanted: set[str]) -> list[str]:
    """The groups whose members are read: those that hold a role (who has access) and the
    approver groups (who can approve: lint counts a group's enabled members)."""
    return sorted(
        str(o["id"])
        for o in objects
        if str(o.get("@odata.type", "")).endswith(".group") and str(o["id"]) in wanted
    )


def role_assignable_holders(objects: Iterable[Mapping[str, Any]], holders: set[str]) -> list[str]:
    """The role-assignable groups among the principals holding a directory role."""
    return sorted(
        str(o["id"]).lower()
        for o in objects
        if str(o.get("@odata.type", "")).endswith(".group")
        and o.get("isAssignableToRole") is True
        and str(o["id"]) in holders
    )


async def read_administrative_units(transport: GraphTransport) -> dict[str, Any]:
    """``{"administrativeUnits": [...]}`` with the properties the client uses; ``{}`` (not
    read: an AU scope then cannot be resolved) when Graph refuses the list (``UNREADABLE``:
    403 without ``AdministrativeUnit.Read.All``; a 400 "Resource not found for the
    segment" where the endpoint is not served)."""
    try:
        rows = await transport.get_all(
            "directory/administrativeUnits", target="administrative units"
        )
    except GraphError as exc:
        if exc.status not in UNREADABLE:
            raise
        return {}
    return {ADMINISTRATIVE_UNITS: [{k: r.get(k) for k in AU_PROPERTIES} for r in rows]}


def managed_group_refs(desireds: Iterable[DesiredState]) -> list[str]:
    """The policy references of the managed groups (``groups/*.yaml``): the object id as
    written, else ``group:<display name>``."""
    return sorted(
        {
            g.written if is_guid(g.written) else f"group:{g.written}"
            for d in desireds
            for g in d.groups
        }
    )


def managed_group_ids(refs: Iterable[str], state: TenantState) -> list[str]:
    """The ids (lower case) of the groups ``refs`` resolve to; a reference that resolves to
    nothing, to several groups or to another kind of object is left to the plan's resolver
    to report."""
    from pim_gitops.resolve import Resolver

    resolver = Resolver(state)
    found = (resolver.principal(ref) for ref in refs)
    return sorted({p.id.lower() for p in found if isinstance(p, Principal) and p.type == "group"})


async def complete_managed_groups(
    transport: GraphTransport,
    snapshot: dict[str, Any],
    desireds: Iterable[DesiredState],
    now: datetime,
) -> dict[str, Any]:
    """``snapshot`` with PIM for Groups (and members) of the managed groups it has not read:
    their references looked up first if the snapshot lacks them (a group that holds no
    role), then read as ``read_groups`` reads (one batch item per group per collection)."""
    from pim_gitops.graph.reader import lookup_references, principals_missing
    from pim_gitops.normalize import normalize_tenant

    refs = managed_group_refs(desireds)
    if not refs:
        return snapshot
    state = normalize_tenant(snapshot, now)
    known = {o["id"] for o in snapshot["directoryObjects"]}
    unresolved = [r for r in refs if not managed_group_ids([r], state)]
    if unresolved:
        fresh = [o for o in await lookup_references(transport, unresolved) if o["id"] not in known]
        snapshot = {**snapshot, "directoryObjects": [*snapshot["directoryObjects"], *fresh]}
        state = normalize_tenant(snapshot, now)
    done = {g.lower() for g in (*state.pim_groups_read, *(snapshot.get(GROUP_READ_ERRORS) or {}))}
    todo = [g for g in managed_group_ids(refs, state) if g not in done]
    if not todo:
        return snapshot
    members, group_read = await gather_or_cancel(
        read_members(transport, todo), read_groups(transport, todo)
    )
    named = {m for ms in members.values() for m in ms} | group_read.principals()
    objects = await principals_missing(transport, snapshot["directoryObjects"], named)
    known_members = {**(snapshot.get("groupMembers") or {}), **members}
    every = [*snapshot["directoryObjects"], *objects]
    nested = nested_groups(group_read, every, known_members)
    if nested:
        members |= await read_members(transport, nested)
        inner = {m for g in nested for m in members[g]}
        objects += await principals_missing(transport, [*every], inner)
    merged = group_read.merged_into(snapshot)
    merged["directoryObjects"] = [*snapshot["directoryObjects"], *objects]
    merged["groupMembers"] = {**(snapshot.get("groupMembers") or {}), **members}
    return canonical_snapshot(merged)
