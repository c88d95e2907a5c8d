"""The PIM-for-Groups routes (v1.0 ``identityGovernance/privilegedAccess/group/…``) and
``GET groups/{id}/owners``; semantics in ``group_semantics.py``, sources in
``docs/emulator.md`` ("PIM for Groups").

The schedule lists require ``$filter`` (``eq``) on ``groupId`` or ``principalId`` ("This
method requires the $filter (eq) query parameter to scope the request to a principalId or a
groupId", DC privilegedaccessgroup-list-eligibilityschedules / -assignmentschedules; "does
not work without a filter for principal or group", microsoftgraph/microsoft-graph-docs#21801);
the 400's message is an *assumption*.
"""

from __future__ import annotations

import copy
from typing import Any

from pim_gitops.emulator import group_semantics, odata
from pim_gitops.emulator.errors import GraphReply, bad_request, not_found
from pim_gitops.emulator.group_policies import ensure_policies, group_of
from pim_gitops.emulator.routes import Context, Handler, _collection, route

BASE = "identityGovernance/privilegedAccess/group"
SCHEDULE_FILTERS = (
    "groupId",
    "principalId",
    "accessId",
    "memberType",
    "assignmentType",
    "status",
    "id",
    "createdUsing",
)
REQUEST_FILTERS = (
    "groupId",
    "principalId",
    "accessId",
    "status",
    "action",
    "id",
    "targetScheduleId",
)
KINDS = (("eligibility", "eligibility"), ("assignment", "assignment"))


def _scoped(ctx: Context, filters: tuple[str, ...] = SCHEDULE_FILTERS) -> dict[str, str]:
    """The ``groupId`` / ``principalId`` the list is scoped to; a 400 when neither is."""
    query = odata.parse_query(ctx.params, filters, ctx.max_top)
    given = {k: v for k, v in query.filters if k in ("groupId", "principalId")}
    if not given:
        raise bad_request(
            "This request requires a $filter (eq) on groupId or principalId, e.g. "
            "$filter=groupId eq '{groupId}'."
        )
    return given


def _expander(ctx: Context) -> Any:
    def expand(row: dict[str, Any], what: str) -> dict[str, Any]:
        names = {w.strip() for w in what.split(",")}
        if not names <= {"principal", "group"}:
            raise bad_request(f"Could not find a property named '{what}' to expand.")
        out = dict(row)
        for name in sorted(names):
            obj = ctx.store.objects.get(str(row.get(f"{name}Id")))
            out[name] = copy.deepcopy(obj) if obj else None
        return out

    return expand


def _show_outside_pim(ctx: Context, kind: str, given: dict[str, str]) -> None:
    if kind != "assignment":
        return
    groups = {given["groupId"]} if "groupId" in given else set()
    if "principalId" in given and "groupId" not in given:
        pid = given["principalId"].lower()
        groups = {g for g, m in ctx.store.group_members.items() if pid in {x.lower() for x in m}}
    for group_id in sorted(groups):
        group_semantics.outside_pim(ctx.store, group_id)


def _schedules(kind: str, name: str) -> Handler:
    def handler(ctx: Context, _: dict[str, str]) -> GraphReply:
        given = _scoped(ctx)
        group_semantics.provision_due(ctx.store, kind, ctx.now)
        _show_outside_pim(ctx, kind, given)
        items = list(ctx.store.group_schedules(kind).values())
        return _collection(ctx, items, f"{BASE}/{name}", SCHEDULE_FILTERS, _expander(ctx))

    return handler


def _instance(kind: str, row: dict[str, Any]) -> dict[str, Any]:
    """A schedule's instance: its period flattened (``startDateTime``/``endDateTime``), the
    id and ``…ScheduleId`` both the schedule's (*assumption*: Graph documents no instance
    id for groups; the one quoted in microsoft-graph-docs-contrib#8970 begins with the
    group id as schedule ids do)."""
    info = row.get("scheduleInfo") or {}
    out = {
        "id": row["id"],
        "groupId": row.get("groupId"),
        "principalId": row.get("principalId"),
        "accessId": row.get("accessId"),
        "memberType": row.get("memberType", "Direct"),
        "startDateTime": info.get("startDateTime"),
        "endDateTime": (info.get("expiration") or {}).get("endDateTime"),
    }
    if kind == "eligibility":
        return out | {"eligibilityScheduleId": row["id"]}
    return out | {
        "assignmentScheduleId": row["id"],
        "assignmentType": row.get("assignmentType", "Assigned"),
        "activatedUsing": None,
    }


def _instances(kind: str, name: str) -> Handler:
    def handler(ctx: Context, _: dict[str, str]) -> GraphReply:
        given = _scoped(ctx)
        group_semantics.provision_due(ctx.store, kind, ctx.now)
        _show_outside_pim(ctx, kind, given)
        items = [_instance(kind, r) for r in ctx.store.group_schedules(kind).values()]
        return _collection(ctx, items, f"{BASE}/{name}", SCHEDULE_FILTERS, _expander(ctx))

    return handler


def _schedule(kind: str, name: str) -> Handler:
    def handler(ctx: Context, p: dict[str, str]) -> GraphReply:
        row = ctx.store.group_schedules(kind).get(p["id"])
        if row is None:
            raise not_found(f"The schedule {p['id']} was not found.")
        body = {"@odata.context": ctx.metadata(f"{BASE}/{name}/$entity")}
        return GraphReply(200, body | odata.project(row, odata.parse_query(ctx.params).select))

    return handler


def _post_request(kind: str, name: str) -> Handler:
    def handler(ctx: Context, _: dict[str, str]) -> GraphReply:
        group_semantics.provision_due(ctx.store, kind, ctx.now)
        if isinstance(ctx.body, dict) and isinstance(ctx.body.get("groupId"), str):
            ensure_policies(ctx.store, ctx.body["groupId"])
        result = group_semantics.group_request(ctx.store, kind, ctx.body, ctx.now)
        body = {"@odata.context": ctx.metadata(f"{BASE}/{name}/$entity")}
        return GraphReply(201, body | result)

    return handler


def _list_requests(kind: str, name: str) -> Handler:
    def handler(ctx: Context, _: dict[str, str]) -> GraphReply:
        _scoped(ctx, REQUEST_FILTERS)
        group_semantics.provision_due(ctx.store, kind, ctx.now)
        prefix = f"{kind}:"
        items = [
            copy.deepcopy(r) for k, r in ctx.store.group_requests.items() if k.startswith(prefix)
        ]
        return _collection(ctx, items, f"{BASE}/{name}", REQUEST_FILTERS, _expander(ctx))

    return handler


def _cancel(kind: str) -> Handler:
    def handler(ctx: Context, p: dict[str, str]) -> GraphReply:
        group_semantics.cancel(ctx.store, kind, p["id"])
        return GraphReply(204, None)

    return handler


for _kind, _prefix in KINDS:
    route("POST", f"{BASE}/{_prefix}ScheduleRequests/{{id}}/cancel", write=True)(_cancel(_kind))
    route("GET", f"{BASE}/{_prefix}Schedules")(_schedules(_kind, f"{_prefix}Schedules"))
    route("GET", f"{BASE}/{_prefix}Schedules/{{id}}")(_schedule(_kind, f"{_prefix}Schedules"))
    route("GET", f"{BASE}/{_prefix}ScheduleInstances")(
        _instances(_kind, f"{_prefix}ScheduleInstances")
    )
    route("POST", f"{BASE}/{_prefix}ScheduleRequests", write=True)(
        _post_request(_kind, f"{_prefix}ScheduleRequests")
    )
    route("GET", f"{BASE}/{_prefix}ScheduleRequests")(
        _list_requests(_kind, f"{_prefix}ScheduleRequests")
    )


@route("GET", "groups/{id}/owners")
def group_owners(ctx: Context, p: dict[str, str]) -> GraphReply:
    group = group_of(ctx.store, p["id"])
    if group is None:
        raise not_found(f"Resource '{p['id']}' does not exist.", "Request_ResourceNotFound")
    owners = [
        ctx.store.objects[o]
        for o in ctx.store.group_owners.get(str(group["id"]), [])
        if o in ctx.store.objects
    ]
    return _collection(ctx, owners, "directoryObjects", ())
