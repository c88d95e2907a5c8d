"""Read a tenant's whole PIM state with the fewest round trips.

Collection-level queries only, never one request per role (graph-pim.md §1): all directory-
role policies with their rules in one filtered, paged query; all policy assignments; all
eligibility and assignment schedules; all role assignments (to see assignments made outside
PIM); the schedule requests still in flight (future starts); then every principal in chunks
of 1000 through ``getByIds``; then the members of groups that hold roles or approve.
Independent queries run concurrently, every page is followed; the result is a snapshot."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from pim_gitops.errors import GraphError
from pim_gitops.graph.batch import BatchItem, send_batched
from pim_gitops.graph.envelopes import parse_page
from pim_gitops.graph.extension_reader import policy_lookups
from pim_gitops.graph.extra_reader import extra_principal_ids, read_extras, with_group_history
from pim_gitops.graph.extras import NO_EXTRAS, ExtraReads
from pim_gitops.graph.group_reader import (
    approver_ids,
    groups_to_expand,
    nested_groups,
    read_administrative_units,
    read_groups,
    read_members,
    role_assignable_holders,
)
from pim_gitops.graph.review_reader import read_reviews, reviewer_ids
from pim_gitops.graph.transport import GraphTransport, error_from, gather_or_cancel
from pim_gitops.graph.words import WORDS
from pim_gitops.outside import IN_FLIGHT, LIST_NEEDS
from pim_gitops.snapshot import FORMAT, REQUEST_READ_ERRORS, canonical_snapshot
from pim_gitops.wire import format_instant, is_guid

DIR = "roleManagement/directory"
POLICY_FILTER = "scopeId eq '/' and scopeType eq 'DirectoryRole'"
GET_BY_IDS_CHUNK = 1000
#: The properties each typed collection is asked for: ``$select`` is strict per type on
#: ``/users``, ``/groups`` and ``/servicePrincipals`` ("Could not find a property named
#: 'appId' on type 'microsoft.graph.user'", microsoft-graph-docs-contrib#4529).
TYPED_PROPERTIES: dict[str, tuple[str, ...]] = {
    "user": (
        "id",
        "displayName",
        "userPrincipalName",
        "mail",
        "userType",
        "onPremisesSyncEnabled",
        "onPremisesImmutableId",
        "accountEnabled",
    ),
    "group": ("id", "displayName", "mail", "isAssignableToRole", "securityEnabled"),
    "servicePrincipal": ("id", "displayName", "appId", "servicePrincipalType", "accountEnabled"),
}
#: ``getByIds`` returns few user properties unless ``$select`` names them (graph-pim.md §1 E15);
#: it takes the properties of all three types at once (a ``directoryObject`` action).
PRINCIPAL_PROPERTIES = tuple(dict.fromkeys(p for ps in TYPED_PROPERTIES.values() for p in ps))


#: Ask for Graph's largest page where a collection honours ``$top``; fewer pages means fewer
#: sequential round trips. Graph documents no page size for these endpoints.
TOP = "999"


async def _collection(
    transport: GraphTransport,
    path: str,
    params: Mapping[str, str] | None = None,
    *,
    target: str,
) -> list[Any]:
    """Every item, asking for pages of 999; if the endpoint refuses ``$top`` (400), once
    again without it, and not again for that path in this session."""
    plain = dict(params or {})
    if path not in transport.no_top:
        try:
            return await transport.get_all(path, params={**plain, "$top": TOP}, target=target)
        except GraphError as exc:
            if exc.status != 400 or exc.code in WORDS:  # a refusal in words is not about $top
                raise
            transport.no_top.add(path)
    return await transport.get_all(path, params=plain or None, target=target)


async def _policies(
    transport: GraphTransport,
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """All policies with rules; if the bulk read fails on the server side (a rule that
    cannot be read, graph-explorer-v4#4041), read them one by one and record per-role
    failures instead of aborting the snapshot."""
    errors: dict[str, str] = {}
    try:
        expanded = await _collection(
            transport,
            "policies/roleManagementPolicies",
            {"$filter": POLICY_FILTER, "$expand": "rules"},
            target="directory-role policies",
        )
        return expanded, errors
    except GraphError as exc:
        if exc.status is None or exc.status < 500:
            raise
    bare = await transport.get_all(
        "policies/roleManagementPolicies",
        params={"$filter": POLICY_FILTER},
        target="directory-role policies",
    )

    async def one(policy: dict[str, Any]) -> dict[str, Any]:
        try:
            body = await transport.get_json(
                f"policies/roleManagementPolicies/{policy['id']}",
                params={"$expand": "rules"},
                target=f"policy {policy['id']}",
            )
            return dict(body)
        except GraphError as exc:
            errors[str(policy["id"])] = f"{exc.code or exc.status}: rules could not be read"
            return policy

    return list(await gather_or_cancel(*(one(p) for p in bare))), errors


async def _principals(transport: GraphTransport, ids: list[str]) -> list[dict[str, Any]]:
    """The directory objects with these ids, in chunks of ``getByIds``' limit."""
    chunks = [ids[i : i + GET_BY_IDS_CHUNK] for i in range(0, len(ids), GET_BY_IDS_CHUNK)]
    pages = await gather_or_cancel(
        *(
            get_by_ids(transport, chunk, ",".join(PRINCIPAL_PROPERTIES), f"{len(chunk)} principals")
            for chunk in chunks
        )
    )
    return [obj for page in pages for obj in page]


async def get_by_ids(
    transport: GraphTransport, ids: list[str], select: str, target: str
) -> list[dict[str, Any]]:
    """``POST directoryObjects/getByIds`` for up to 1000 ids: the objects found, the answer's
    shape checked (a ``MalformedAnswerError`` otherwise)."""
    path, params = "directoryObjects/getByIds", {"$select": select}
    response = await transport.send(
        "POST",
        path,
        params=params,
        body={"ids": ids, "types": ["user", "group", "servicePrincipal"]},
        target=target,
        idempotent=True,
    )
    url = transport.url(path, params)
    return parse_page(response, method="POST", url=url, target=target).value


async def principals_missing(
    transport: GraphTransport, known: list[dict[str, Any]], ids: Iterable[str]
) -> list[dict[str, Any]]:
    """The principals among ``ids`` not in ``known`` yet (members of the groups read, and
    those the group schedules name), read in full: enabled? user or service principal? so
    the guards can tell a group with a usable member from one without."""
    have = {str(o["id"]) for o in known}
    return await _principals(transport, sorted(set(ids) - have))


async def _collections(transport: GraphTransport) -> Any:
    """Every collection of the snapshot, read concurrently."""
    return await gather_or_cancel(
        transport.get_all(
            "organization",
            params={"$select": "id,displayName,verifiedDomains"},
            target="organization",
        ),
        _collection(transport, f"{DIR}/roleDefinitions", target="role definitions"),
        _policies(transport),
        _collection(
            transport,
            "policies/roleManagementPolicyAssignments",
            {"$filter": POLICY_FILTER},
            target="policy assignments",
        ),
        _collection(transport, f"{DIR}/roleEligibilitySchedules", target="eligibility schedules"),
        _collection(transport, f"{DIR}/roleAssignmentSchedules", target="assignment schedules"),
        _collection(transport, f"{DIR}/roleAssignments", target="role assignments"),
        _in_flight(transport, "roleEligibilityScheduleRequests", "eligibility requests"),
        _in_flight(transport, "roleAssignmentScheduleRequests", "assignment requests"),
        read_administrative_units(transport),
    )


async def _in_flight(
    transport: GraphTransport, name: str, target: str
) -> tuple[list[Any], str | None]:
    """The ``adminAssign`` requests not yet done (a future start is ``Granted`` with no
    schedule until it starts; ``outside.py``), and why the collection could not be listed.
    Graph documents no ``$filter`` on ``status``, so every request is read and only these are
    kept. App-only, listing requests needs a write permission (``LIST_NEEDS``): a 403 is
    recorded (``requestReadErrors``), so the plan says what it cannot see, instead of
    failing the read or taking it silently as "none"."""
    try:
        rows = await _collection(transport, f"{DIR}/{name}", target=target)
    except GraphError as exc:
        if exc.status != 403:
            raise
        return [], f"403; needs {LIST_NEEDS[name]}"
    kept = [
        r
        for r in rows
        if isinstance(r, dict)
        and r.get("status") in IN_FLIGHT
        and str(r.get("action", "")).lower() == "adminassign"
    ]
    return kept, None


def _snapshot_of(
    collections: Any,
    tenant_id: str,
    now: datetime,
    objects: list[dict[str, Any]],
    members: dict[str, list[str]],
) -> dict[str, Any]:
    """The directory part of a snapshot, from what ``_collections`` read."""
    (
        organization,
        roles,
        (policies, policy_errors),
        links,
        eligible,
        active,
        assignments,
        (eligible_requests, eligible_unlisted),
        (active_requests, active_unlisted),
        units,
    ) = collections
    unlisted = {
        name: why
        for name, why in (
            ("roleEligibilityScheduleRequests", eligible_unlisted),
            ("roleAssignmentScheduleRequests", active_unlisted),
        )
        if why
    }
    return {
        "format": FORMAT,
        "tenantId": str(organization[0]["id"]) if organization else tenant_id,
        "organization": organization[0] if organization else {},
        "capturedAt": format_instant(now),
        "roleDefinitions": roles,
        "roleManagementPolicies": policies,
        "roleManagementPolicyAssignments": links,
        "roleEligibilitySchedules": eligible,
        "roleAssignmentSchedules": active,
        "roleAssignments": assignments,
        "roleEligibilityScheduleRequests": eligible_requests,
        "roleAssignmentScheduleRequests": active_requests,
        "directoryObjects": objects,
        "groupMembers": members,
        "policyReadErrors": dict(sorted(policy_errors.items())),
        **({REQUEST_READ_ERRORS: unlisted} if unlisted else {}),
        **units,
    }


async def fetch_snapshot(
    transport: GraphTransport,
    *,
    now: datetime,
    tenant_id: str = "",
    groups: Iterable[str] = (),
    extras: ExtraReads = NO_EXTRAS,
) -> dict[str, Any]:
    """The tenant's PIM state as a snapshot (raw Graph v1.0 objects). PIM for Groups is read
    for every role-assignable group holding a role and for ``groups`` (ids: the managed
    ones), in ``$batch``es (``group_reader``); access reviews, and ``extras`` (alerts,
    request history: ``graph.extra_reader``) alongside."""
    collections, reviews, extra = await gather_or_cancel(
        _collections(transport), read_reviews(transport, now), read_extras(transport, extras, now)
    )
    _, _, (policies, _), _, eligible, active, assignments, (asked, _), (made, _), _ = collections
    holders = {
        str(s["principalId"])
        for s in (*eligible, *active, *assignments, *asked, *made)
        if s.get("principalId")
    }
    wanted = holders | approver_ids(policies) | reviewer_ids(reviews) | extra_principal_ids(extra)
    objects = await _principals(transport, sorted(wanted))
    pim = sorted({*role_assignable_holders(objects, holders), *(g.lower() for g in groups)})
    expand = sorted({*groups_to_expand(objects, wanted), *pim})
    members, group_read = await gather_or_cancel(
        read_members(transport, expand), read_groups(transport, pim)
    )
    named = {m for ms in members.values() for m in ms} | group_read.principals()
    extra = await with_group_history(transport, extras, group_read.read, extra)
    objects += await principals_missing(transport, objects, named | extra_principal_ids(extra))
    nested = nested_groups(group_read, objects, members)
    if nested:  # an active member of a group that is an eligible member can activate it
        members |= await read_members(transport, nested)
        objects += await principals_missing(
            transport, objects, {m for g in nested for m in members[g]}
        )
    data = _snapshot_of(collections, tenant_id, now, objects, members)
    data = group_read.merged_into(data)
    # A group policy may require an authentication context too.
    contexts = await policy_lookups(transport, data["roleManagementPolicies"], extras)
    return canonical_snapshot({**data, **contexts, **reviews, **extra})


#: Policy reference prefix → (object type, the property it names).
REFERENCE_KINDS = {
    "user": ("user", "userPrincipalName"),
    "group": ("group", "displayName"),
    "sp": ("servicePrincipal", "appId"),
}
#: "the request is limited to 15 expressions in the filter clause" for ``in``
#: (learn.microsoft.com/graph/filter-query-parameter); ``in`` is supported on
#: userPrincipalName, group displayName and appId (the user, group and servicePrincipal
#: property tables).
IN_VALUES = 15
#: And "a URL length of 2,048 characters" with advanced queries (same page): keep each
#: ``in`` list well under it, so long group names split into more requests, never a 400.
IN_CHARS = 1500


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def in_chunks(values: list[str]) -> list[list[str]]:
    """``values`` in order, in lists of at most ``IN_VALUES`` whose URL-encoded ``in``
    list stays within ``IN_CHARS`` (a single longer value goes alone)."""
    chunks: list[list[str]] = []
    size = 0
    for value in values:
        length = len(quote(_quoted(value), safe="")) + 3  # ", " between values
        if not chunks or len(chunks[-1]) == IN_VALUES or size + length > IN_CHARS:
            chunks.append([])
            size = 0
        chunks[-1].append(value)
        size += length
    return chunks


def lookup_items(refs: Iterable[str]) -> list[BatchItem]:
    """One ``$batch`` item per type and 15 names: ``GET /users?$filter=userPrincipalName
    in ('a', 'b')&$select=…`` (object ids go through ``getByIds`` instead)."""
    by_kind: dict[str, list[str]] = {}
    for ref in sorted(set(refs)):
        prefix, _, value = ref.partition(":")
        if prefix in REFERENCE_KINDS and value and not (prefix == "user" and is_guid(value)):
            by_kind.setdefault(prefix, []).append(value)
    items: list[BatchItem] = []
    for prefix, values in sorted(by_kind.items()):
        kind, prop = REFERENCE_KINDS[prefix]
        unique = sorted(set(values), key=str.casefold)
        for index, chunk in enumerate(in_chunks(unique)):
            params = {
                "$filter": f"{prop} in ({', '.join(_quoted(v) for v in chunk)})",
                "$select": ",".join(TYPED_PROPERTIES[kind]),
            }
            items.append(
                BatchItem(
                    key=f"{kind}:{index}",
                    method="GET",
                    url=f"/{kind}s?{urlencode(params, quote_via=quote, safe='$,()=')}",
                    target=f"{len(chunk)} {kind}s named in the policy",
                )
            )
    return items


async def _looked_up(transport: GraphTransport, items: list[BatchItem]) -> list[dict[str, Any]]:
    outcomes = await send_batched(transport, items)
    objects: list[dict[str, Any]] = []
    for item in items:
        outcome = outcomes[item.key]
        if isinstance(outcome, GraphError):
            raise outcome
        if not 200 <= outcome.status < 300:  # a 3xx inside a batch is not a page either
            raise error_from(outcome, item.method, item.url, item.target)
        page = parse_page(outcome, method=item.method, url=item.url, target=item.target)
        found = list(page.value)
        if page.next_link:  # followed by the transport's same-origin paging rules
            found += await transport.get_all(page.next_link, target=item.target)
        kind = item.key.partition(":")[0]
        objects += [{"@odata.type": f"#microsoft.graph.{kind}", **obj} for obj in found]
    return objects


async def lookup_references(transport: GraphTransport, refs: Iterable[str]) -> list[dict[str, Any]]:
    """Principals named in policy files that hold no role yet (so the snapshot lacks them):
    names by ``in`` filters of 15, sent in ``$batch``es of 20 (300 names a request), each
    typed collection asked only for its own properties; object ids by ``getByIds``."""
    wanted = sorted(set(refs))
    objects = await _looked_up(transport, lookup_items(wanted))
    guids = [ref for ref in wanted if is_guid(ref)]
    objects += await _principals(transport, guids)
    return objects
