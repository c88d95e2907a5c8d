"""Read a tenant's whole PIM state with the fewest round trips.

Collection-level queries only, never one request per role (graph-pim.md §1): all directory-
role policies with their rules in one filtered, paged query; all policy assignments; all
eligibility and assignment schedules; all role assignments (to see assignments made outside
PIM); then every principal in chunks of 1000 through ``getByIds`` with the properties lint
needs; then the members of groups that hold roles. Independent queries run concurrently and
every page is followed. The result is a snapshot (raw Graph objects).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from pim_gitops.errors import GraphError
from pim_gitops.graph.envelopes import parse_page
from pim_gitops.graph.transport import GraphTransport, gather_or_cancel
from pim_gitops.snapshot import FORMAT, canonical_snapshot
from pim_gitops.wire import format_instant, is_guid

DIR = "roleManagement/directory"
POLICY_FILTER = "scopeId eq '/' and scopeType eq 'DirectoryRole'"
GET_BY_IDS_CHUNK = 1000
#: ``getByIds`` returns few user properties unless ``$select`` names them (graph-pim.md §1 E15).
PRINCIPAL_PROPERTIES = (
    "id",
    "displayName",
    "userPrincipalName",
    "mail",
    "userType",
    "onPremisesSyncEnabled",
    "onPremisesImmutableId",
    "accountEnabled",
    "appId",
    "servicePrincipalType",
    "isAssignableToRole",
    "securityEnabled",
)


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
            if exc.status != 400:
                raise
            transport.no_top.add(path)
    return await transport.get_all(path, params=plain or None, target=target)


def _approver_ids(policies: Iterable[Mapping[str, Any]]) -> set[str]:
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


async def _members(transport: GraphTransport, groups: list[str]) -> list[list[dict[str, Any]]]:
    members: list[list[dict[str, Any]]] = await gather_or_cancel(
        *(
            _collection(
                transport, f"groups/{g}/members", {"$select": "id"}, target=f"members of group {g}"
            )
            for g in groups
        )
    )
    return members


async def fetch_snapshot(
    transport: GraphTransport, *, now: datetime, tenant_id: str = ""
) -> dict[str, Any]:
    """The tenant's PIM state as a snapshot (raw Graph v1.0 objects)."""
    (
        organization,
        roles,
        (policies, policy_errors),
        links,
        eligible,
        active,
        assignments,
    ) = await gather_or_cancel(
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
    )
    holders = {
        str(s["principalId"]) for s in (*eligible, *active, *assignments) if s.get("principalId")
    }
    objects = await _principals(transport, sorted(holders | _approver_ids(policies)))
    groups = sorted(
        str(o["id"])
        for o in objects
        if str(o.get("@odata.type", "")).endswith(".group") and str(o["id"]) in holders
    )
    member_lists = await _members(transport, groups)
    return canonical_snapshot(
        {
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
            "directoryObjects": objects,
            "groupMembers": {
                g: sorted(str(m["id"]) for m in members)
                for g, members in zip(groups, member_lists, strict=True)
            },
            "policyReadErrors": dict(sorted(policy_errors.items())),
        }
    )


async def lookup_references(transport: GraphTransport, refs: Iterable[str]) -> list[dict[str, Any]]:
    """Principals named in policy files that hold no role yet (so the snapshot lacks them):
    one filtered query each, concurrently."""
    select = ",".join(PRINCIPAL_PROPERTIES)

    def query(ref: str) -> tuple[str, dict[str, str]] | None:
        kind, _, value = ref.partition(":")
        quoted = value.replace("'", "''")
        if kind == "user":
            return "users", {"$filter": f"userPrincipalName eq '{quoted}'", "$select": select}
        if kind == "group":
            return "groups", {"$filter": f"displayName eq '{quoted}'", "$select": select}
        if kind == "sp":
            return "servicePrincipals", {"$filter": f"appId eq '{quoted}'", "$select": select}
        return None

    queries = [(ref, q) for ref in sorted(set(refs)) if (q := query(ref)) is not None]
    results = await gather_or_cancel(
        *(transport.get_all(path, params=params, target=ref) for ref, (path, params) in queries)
    )
    objects: list[dict[str, Any]] = []
    guids = sorted({ref for ref in refs if is_guid(ref)})
    for start in range(0, len(guids), GET_BY_IDS_CHUNK):
        chunk = guids[start : start + GET_BY_IDS_CHUNK]
        objects += await get_by_ids(
            transport, chunk, select, f"{len(chunk)} principals named by object id"
        )
    for (_, (path, _params)), found in zip(queries, results, strict=True):
        kind = {"users": "user", "groups": "group", "servicePrincipals": "servicePrincipal"}[path]
        for obj in found:
            objects.append({"@odata.type": f"#microsoft.graph.{kind}", **obj})
    return objects
