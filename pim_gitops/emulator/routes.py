"""The Graph v1.0 routes the emulator serves, as plain functions of (context, path params).

The HTTP layer (``app.py``) and ``$batch`` both dispatch through :func:`dispatch`, so an
inner batch request behaves exactly like the same request sent on its own.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pim_gitops.emulator import activation, group_policies, odata, pending, request_history
from pim_gitops.emulator.errors import GraphFault, GraphReply, bad_request, not_found
from pim_gitops.emulator.respell import Respeller
from pim_gitops.emulator.semantics import instances, patch_rules, schedule_request
from pim_gitops.emulator.store import GROUP_POLICY_PREFIX, POLICY_PREFIX, Store
from pim_gitops.emulator.types import check_select

DIRECTORY = "roleManagement/directory"
SCHEDULE_FILTERS = ("roleDefinitionId", "principalId", "directoryScopeId", "id")
GET_BY_IDS_MAX = 1000
DEFAULT_USER_PROPERTIES = ("@odata.type", "id", "accountEnabled", "displayName")


@dataclass
class Context:
    store: Store
    method: str
    params: Mapping[str, str]
    body: Any
    now: datetime
    base_url: str  # e.g. http://127.0.0.1:8765/v1.0
    path: str  # relative to base_url, no leading slash
    page_size: int
    #: The largest page a client may ask for with ``$top`` (Graph: 999).
    max_top: int = odata.MAX_TOP
    #: Set when reads of policy rules are respelled (``FaultConfig.respell``).
    respell: Respeller | None = None
    #: A group policy answers under a new id after its first change
    #: (``FaultConfig.rotate_group_policy_ids``, ``group_policies.rotate``).
    rotate_group_policy_ids: bool = False
    #: The signed-in user of a delegated token (``None``: app-only or no JWT); only a user
    #: may ``selfActivate`` (``activation.py``).
    user_id: str | None = None

    def shown_rules(self, policy: Mapping[str, Any]) -> list[dict[str, Any]]:
        """A stored policy's rules as this read renders them."""
        rules = policy.get("rules", [])
        if self.respell is None:
            return copy.deepcopy(list(rules))
        return self.respell.rules(str(policy["id"]), rules)

    def shown_rule(self, policy: Mapping[str, Any], rule: Mapping[str, Any]) -> dict[str, Any]:
        if self.respell is None:
            return copy.deepcopy(dict(rule))
        return self.respell.rule(str(policy["id"]), rule)

    @property
    def url(self) -> str:
        return f"{self.base_url}/{self.path}"

    def metadata(self, fragment: str) -> str:
        return f"{self.base_url}/$metadata#{fragment}"


Handler = Callable[[Context, dict[str, str]], GraphReply]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Handler
    write: bool
    #: ``v1.0`` or ``beta``: a route answers only under its own version (Graph's beta-only
    #: resources are "Resource not found for the segment" under v1.0).
    version: str = "v1.0"


ROUTES: list[Route] = []


def route(
    method: str, template: str, *, write: bool = False, version: str = "v1.0"
) -> Callable[[Handler], Handler]:
    parts = [
        f"(?P<{seg[1:-1]}>[^/]+)" if seg.startswith("{") else re.escape(seg)
        for seg in template.split("/")
    ]
    regex = "^" + "/".join(parts) + "$"

    def register(handler: Handler) -> Handler:
        pattern = re.compile(regex, re.IGNORECASE)
        ROUTES.append(Route(method, template, pattern, handler, write, version))
        return handler

    return register


def resolve(method: str, path: str, version: str = "v1.0") -> tuple[Route, dict[str, str]]:
    """The route for ``method path`` (``path`` relative to ``/<version>``); a GraphFault if
    none."""
    clean = path.strip("/")
    allowed = False
    for candidate in ROUTES:
        if candidate.version != version:
            continue
        match = candidate.pattern.match(clean)
        if match:
            if candidate.method == method:
                return candidate, match.groupdict()
            allowed = True
    if allowed:
        raise GraphFault(405, "Request_BadRequest", f"The method {method} is not allowed here.")
    segment = clean.split("/")[-1] if clean else ""
    raise bad_request(f"Resource not found for the segment '{segment}'.")


def dispatch(ctx: Context, route_: Route, params: dict[str, str]) -> GraphReply:
    with ctx.store.lock:
        return route_.handler(ctx, params)


# --- helpers ----------------------------------------------------------------------------------


def _collection(
    ctx: Context,
    items: list[dict[str, Any]],
    context: str,
    filterable: tuple[str, ...],
    expand: Callable[[dict[str, Any], str], dict[str, Any]] | None = None,
    *,
    kind: str | None = None,
) -> GraphReply:
    """One page of ``items``; ``kind`` (a directory-object type) makes ``$select`` strict
    for that type and allows ``in (...)`` filters."""
    query = odata.parse_query(ctx.params, filterable, ctx.max_top, allow_in=kind is not None)
    if kind is not None:
        check_select(kind, query.select)
    rows = [i for i in items if odata.matches(i, query.filters, query.any_of)]
    rows.sort(key=lambda i: str(i.get("id")))
    if query.expand and expand is None:
        raise bad_request(f"Expand is not supported here: {query.expand!r}")
    # Shape only the page that goes out: rows outside it are sliced away by odata.page.
    end = min(query.skip + (query.top or ctx.page_size), len(rows))
    for index in range(query.skip, end):
        out = odata.project(rows[index], query.select)
        if query.expand and expand is not None:
            out = expand(out, query.expand)
        rows[index] = out
    shaped = rows
    if query.expand:
        context = f"{context}({query.expand.split('(')[0]}())"
    return GraphReply(200, odata.page(shaped, query, ctx.page_size, ctx.url, ctx.metadata(context)))


def _principal_expander(ctx: Context) -> Callable[[dict[str, Any], str], dict[str, Any]]:
    def expand(row: dict[str, Any], what: str) -> dict[str, Any]:
        names = {w.strip() for w in what.split(",")}
        if not names <= {"principal", "roleDefinition"}:
            raise bad_request(f"Could not find a property named '{what}' to expand.")
        out = dict(row)
        if "principal" in names:
            principal = ctx.store.objects.get(str(row.get("principalId")))
            out["principal"] = copy.deepcopy(principal) if principal else None
        if "roleDefinition" in names:
            role = ctx.store.role_definitions.get(str(row.get("roleDefinitionId")))
            out["roleDefinition"] = copy.deepcopy(role) if role else None
        return out

    return expand


def _scope_filter(ctx: Context, extra: tuple[str, ...]) -> tuple[str, odata.Query]:
    """Policy lists need ``scopeId eq '/' and scopeType eq 'DirectoryRole'|'Directory'``, or
    ``scopeId eq '<groupId>' and scopeType eq 'Group'`` (``group_policies.py``)."""
    query = odata.parse_query(ctx.params, ("scopeId", "scopeType", *extra), ctx.max_top)
    given = dict(query.filters)
    if "scopeId" not in given or "scopeType" not in given:
        raise bad_request(
            "The filter on scopeId and scopeType is required, e.g. "
            "$filter=scopeId eq '/' and scopeType eq 'DirectoryRole'."
        )
    scope_type = next(
        (
            t
            for t in ("DirectoryRole", "Directory", group_policies.SCOPE_TYPE)
            if t.lower() == given["scopeType"].lower()
        ),
        None,
    )
    if scope_type is None:
        raise bad_request(
            f"The emulator serves directory roles and groups, not {given['scopeType']!r}."
        )
    if scope_type == group_policies.SCOPE_TYPE:
        group_policies.check_group_scope(given["scopeId"])
    elif given["scopeId"] != "/":
        raise bad_request("For directory roles scopeId must be '/'.")
    return scope_type, query


def _as_scope(policy: Mapping[str, Any], scope_type: str) -> dict[str, Any]:
    """A stored policy, without its rules, as Graph shows it under ``scopeType`` (the id
    prefix follows it)."""
    if scope_type == group_policies.SCOPE_TYPE:
        return group_policies.as_group_policy(policy)
    out = {k: copy.deepcopy(v) for k, v in policy.items() if k != "rules"}
    out["id"] = scope_type + "_" + str(policy["id"])[len(POLICY_PREFIX) :]
    out["scopeType"] = out["displayName"] = out["description"] = scope_type
    return out


def _expand_rules(expand: str) -> tuple[bool, tuple[str, ...]]:
    """``rules`` / ``rules($select=id)`` / ``*`` / ``effectiveRules,rules``."""
    if not expand:
        return False, ()
    parts = [p.strip() for p in re.split(r",(?![^()]*\))", expand)]
    select: tuple[str, ...] = ()
    wanted = False
    for part in parts:
        name, _, inner = part.partition("(")
        if name not in ("rules", "effectiveRules", "*"):
            raise bad_request(f"Could not find a property named '{name}' to expand.")
        wanted = True
        match = re.search(r"\$select=([\w,]+)", inner)
        if match:
            select = tuple(match.group(1).split(","))
    return wanted, select


def _policy_view(
    ctx: Context, policy: Mapping[str, Any], scope_type: str, expand: str
) -> dict[str, Any]:
    wanted, select = _expand_rules(expand)
    out = _as_scope(policy, scope_type)
    if wanted and select:
        # As in DC list-rolemanagementpolicies Ex. 3 (``rules($select=id)``).
        out["rules@odata.context"] = ctx.metadata(
            f"policies/roleManagementPolicies('{out['id']}')/rules({','.join(select)})"
        )
    if wanted:
        out["rules"] = [odata.project(r, select) for r in ctx.shown_rules(policy)]
    if "effectiveRules" in expand or expand == "*":
        out["effectiveRules"] = ctx.shown_rules(policy)
    return out


def _policy(ctx: Context, policy_id: str) -> tuple[dict[str, Any], str]:
    policy = ctx.store.policy(policy_id)
    if policy is None:
        raise not_found(f"The policy {policy_id} was not found.", "ResourceNotFound")
    if policy_id.startswith(GROUP_POLICY_PREFIX):
        return policy, group_policies.SCOPE_TYPE
    scope_type = "Directory" if policy_id.startswith("Directory_") else "DirectoryRole"
    return policy, scope_type


# --- role definitions, assignments, schedules ----------------------------------------------------


@route("GET", f"{DIRECTORY}/roleDefinitions")
def list_role_definitions(ctx: Context, _: dict[str, str]) -> GraphReply:
    items = list(ctx.store.role_definitions.values())
    return _collection(
        ctx,
        items,
        "roleManagement/directory/roleDefinitions",
        ("id", "displayName", "isBuiltIn", "templateId"),
    )


@route("GET", f"{DIRECTORY}/roleDefinitions/{{id}}")
def get_role_definition(ctx: Context, p: dict[str, str]) -> GraphReply:
    role = ctx.store.role_definitions.get(p["id"])
    if role is None:
        raise not_found(f"The role definition {p['id']} was not found.")
    body = {"@odata.context": ctx.metadata("roleManagement/directory/roleDefinitions/$entity")}
    return GraphReply(200, body | copy.deepcopy(role))


@route("GET", f"{DIRECTORY}/roleAssignments")
def list_role_assignments(ctx: Context, _: dict[str, str]) -> GraphReply:
    items = list(ctx.store.role_assignments.values())
    return _collection(
        ctx,
        items,
        "roleManagement/directory/roleAssignments",
        SCHEDULE_FILTERS,
        _principal_expander(ctx),
    )


def _schedules(kind: str, name: str) -> Handler:
    def handler(ctx: Context, _: dict[str, str]) -> GraphReply:
        with ctx.store.lock:
            pending.provision_due(ctx.store, kind, ctx.now)
        items = list(ctx.store.schedules(kind).values())
        return _collection(
            ctx,
            items,
            f"roleManagement/directory/{name}",
            SCHEDULE_FILTERS,
            _principal_expander(ctx),
        )

    return handler


def _instances(kind: str, name: str) -> Handler:
    def handler(ctx: Context, _: dict[str, str]) -> GraphReply:
        return _collection(
            ctx,
            instances(ctx.store, kind),
            f"roleManagement/directory/{name}",
            SCHEDULE_FILTERS,
            _principal_expander(ctx),
        )

    return handler


def _requests(kind: str, name: str) -> Handler:
    def handler(ctx: Context, _: dict[str, str]) -> GraphReply:
        with ctx.store.lock:
            pending.provision_due(ctx.store, kind, ctx.now)
            body = ctx.body if isinstance(ctx.body, Mapping) else {}
            if ctx.user_id and kind == "assignment" and body.get("action") == "selfActivate":
                result = activation.self_activate(ctx.store, body, ctx.now, ctx.user_id)
            else:
                result = schedule_request(ctx.store, kind, ctx.body, ctx.now)
            pending.remember(ctx.store, kind, result)
        body = {"@odata.context": ctx.metadata(f"roleManagement/directory/{name}/$entity")}
        return GraphReply(201, body | result)

    return handler


# --- requests in flight, cancel, direct role assignments ----------


REQUEST_FILTERS = (*SCHEDULE_FILTERS, "status", "action")


def _list_requests(kind: str, name: str) -> Handler:
    def handler(ctx: Context, _: dict[str, str]) -> GraphReply:
        with ctx.store.lock:
            pending.provision_due(ctx.store, kind, ctx.now)
            request_history.purge(ctx.store, ctx.now)
            items = copy.deepcopy(pending.of_kind(ctx.store, kind))
        return _collection(
            ctx,
            items,
            f"roleManagement/directory/{name}",
            REQUEST_FILTERS,
            _principal_expander(ctx),
        )

    return handler


def _cancel_request(kind: str) -> Handler:
    def handler(ctx: Context, p: dict[str, str]) -> GraphReply:
        pending.cancel(ctx.store, kind, p["id"])
        ctx.store.beta.canceled_at[pending.key(kind, p["id"])] = ctx.now
        return GraphReply(204, None)

    return handler


@route("DELETE", f"{DIRECTORY}/roleAssignments/{{id}}", write=True)
def delete_role_assignment(ctx: Context, p: dict[str, str]) -> GraphReply:
    pending.delete_role_assignment(ctx.store, p["id"])
    return GraphReply(204, None)


def _register_requests() -> None:
    for kind, prefix in (("eligibility", "roleEligibility"), ("assignment", "roleAssignment")):
        name = f"{prefix}ScheduleRequests"
        route("GET", f"{DIRECTORY}/{name}")(_list_requests(kind, name))
        route("POST", f"{DIRECTORY}/{name}/{{id}}/cancel", write=True)(_cancel_request(kind))


_register_requests()


for _kind, _prefix in (("eligibility", "roleEligibility"), ("assignment", "roleAssignment")):
    route("GET", f"{DIRECTORY}/{_prefix}Schedules")(_schedules(_kind, f"{_prefix}Schedules"))
    route("GET", f"{DIRECTORY}/{_prefix}ScheduleInstances")(
        _instances(_kind, f"{_prefix}ScheduleInstances")
    )
    route("POST", f"{DIRECTORY}/{_prefix}ScheduleRequests", write=True)(
        _requests(_kind, f"{_prefix}ScheduleRequests")
    )


# --- policies ---------------------------------------------------------------------------------


@route("GET", "policies/roleManagementPolicies")
def list_policies(ctx: Context, _: dict[str, str]) -> GraphReply:
    scope_type, query = _scope_filter(ctx, ())
    if scope_type == group_policies.SCOPE_TYPE:
        links = group_policies.ensure_policies(ctx.store, dict(query.filters)["scopeId"])
        chosen = [ctx.store.group_policies[str(a["policyId"])] for a in links]
    else:
        chosen = [p for _, p in sorted(ctx.store.policies.items())]
    rows = [_policy_view(ctx, p, scope_type, query.expand) for p in chosen]
    rows = [odata.project(r, query.select) if query.select else r for r in rows]
    select = _expand_rules(query.expand)[1]
    context = "policies/roleManagementPolicies" + (
        f"(rules({','.join(select)}))" if select else "(rules())" if query.expand else ""
    )
    return GraphReply(200, odata.page(rows, query, ctx.page_size, ctx.url, ctx.metadata(context)))


@route("GET", "policies/roleManagementPolicies/{id}")
def get_policy(ctx: Context, p: dict[str, str]) -> GraphReply:
    policy, scope_type = _policy(ctx, p["id"])
    body = {"@odata.context": ctx.metadata("policies/roleManagementPolicies/$entity")}
    return GraphReply(
        200, body | _policy_view(ctx, policy, scope_type, ctx.params.get("$expand", ""))
    )


@route("PATCH", "policies/roleManagementPolicies/{id}", write=True)
def patch_policy(ctx: Context, p: dict[str, str]) -> GraphReply:
    policy, scope_type = _policy(ctx, p["id"])
    if not isinstance(ctx.body, Mapping) or not isinstance(ctx.body.get("rules"), list):
        raise bad_request("The request body must carry a 'rules' array.")
    if set(ctx.body) - {"rules", "@odata.context"}:
        raise bad_request("Only the rules of a policy can be updated; the policy is read-only.")
    first = policy.get("lastModifiedDateTime") is None
    patch_rules(ctx.store, policy, ctx.body["rules"], ctx.now)
    _rotated(ctx, policy, first)
    body = {"@odata.context": ctx.metadata("policies/roleManagementPolicies/$entity")}
    return GraphReply(200, body | _as_scope(policy, scope_type))


def _rotated(ctx: Context, policy: dict[str, Any], first: bool) -> None:
    if first and ctx.rotate_group_policy_ids and str(policy["id"]).startswith(GROUP_POLICY_PREFIX):
        group_policies.rotate(ctx.store, str(policy["id"]))


@route("GET", "policies/roleManagementPolicies/{id}/rules")
def list_rules(ctx: Context, p: dict[str, str]) -> GraphReply:
    policy, _ = _policy(ctx, p["id"])
    context = f"policies/roleManagementPolicies('{p['id']}')/rules"
    return GraphReply(
        200, {"@odata.context": ctx.metadata(context), "value": ctx.shown_rules(policy)}
    )


def _rule(ctx: Context, p: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    policy, _ = _policy(ctx, p["id"])
    rule = ctx.store.rule(policy, p["rule"])
    if rule is None:
        raise not_found(f"The policy rule id {p['rule']} is invalid.", "InvalidPolicyRule")
    return policy, rule


@route("GET", "policies/roleManagementPolicies/{id}/rules/{rule}")
def get_rule(ctx: Context, p: dict[str, str]) -> GraphReply:
    policy, rule = _rule(ctx, p)
    context = f"policies/roleManagementPolicies('{p['id']}')/rules/$entity"
    return GraphReply(200, {"@odata.context": ctx.metadata(context)} | ctx.shown_rule(policy, rule))


@route("PATCH", "policies/roleManagementPolicies/{id}/rules/{rule}", write=True)
def patch_rule(ctx: Context, p: dict[str, str]) -> GraphReply:
    policy, _ = _rule(ctx, p)
    body = ctx.body if isinstance(ctx.body, Mapping) else {}
    if "id" not in body:
        body = {**body, "id": p["rule"]}
    first = policy.get("lastModifiedDateTime") is None
    patch_rules(ctx.store, policy, [body], ctx.now)
    _rotated(ctx, policy, first)
    return GraphReply(204)


def _assignment_rows(ctx: Context, scope_type: str, query: odata.Query) -> list[dict[str, Any]]:
    """The policy assignments under this scope, as Graph names them."""
    if scope_type == group_policies.SCOPE_TYPE:
        links = group_policies.ensure_policies(ctx.store, dict(query.filters)["scopeId"])
        return [dict(a) | {"policy": ctx.store.group_policies[str(a["policyId"])]} for a in links]
    rows = []
    for _key, item in sorted(ctx.store.policy_assignments.items()):
        policy_id = scope_type + "_" + item["policyId"][len(POLICY_PREFIX) :]
        row = {
            "id": f"{policy_id}_{item['roleDefinitionId']}",
            "policyId": policy_id,
            "scopeId": "/",
            "scopeType": scope_type,
            "roleDefinitionId": item["roleDefinitionId"],
            "policy": ctx.store.policies[item["policyId"]],
        }
        rows.append(row)
    return rows


@route("GET", "policies/roleManagementPolicyAssignments")
def list_policy_assignments(ctx: Context, _params: dict[str, str]) -> GraphReply:
    scope_type, query = _scope_filter(ctx, ("roleDefinitionId", "policyId"))
    wanted = {k: v.lower() for k, v in query.filters if k in ("roleDefinitionId", "policyId")}
    rows = []
    for row in _assignment_rows(ctx, scope_type, query):
        policy = row.pop("policy")
        if any(str(row[k]).lower() != v for k, v in wanted.items()):
            continue
        if query.expand:
            name, _paren, inner = query.expand.partition("(")
            if name != "policy":
                raise bad_request(f"Could not find a property named '{name}' to expand.")
            inner_expand = re.sub(r"^\$expand=|\)$", "", inner)
            row["policy"] = _policy_view(ctx, policy, scope_type, inner_expand)
        rows.append(odata.project(row, query.select))
    context = "policies/roleManagementPolicyAssignments" + (
        "(policy(rules()))" if "rules" in query.expand else "(policy())" if query.expand else ""
    )
    return GraphReply(200, odata.page(rows, query, ctx.page_size, ctx.url, ctx.metadata(context)))


# --- directory objects ------------------------------------------------------------------------


def _object_type(obj: Mapping[str, Any]) -> str:
    return str(obj.get("@odata.type", "")).rsplit(".", 1)[-1]


@route("POST", "directoryObjects/getByIds")
def get_by_ids(ctx: Context, _: dict[str, str]) -> GraphReply:
    body = ctx.body if isinstance(ctx.body, Mapping) else {}
    ids = body.get("ids")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise bad_request("The request body must carry 'ids', a list of object ids.")
    if len(ids) > GET_BY_IDS_MAX:
        raise bad_request(f"At most {GET_BY_IDS_MAX} ids can be requested at once.")
    types = {str(t).lower() for t in body.get("types") or []}
    select = odata.parse_query(ctx.params).select
    found = []
    for object_id in dict.fromkeys(ids):
        obj = ctx.store.objects.get(object_id)
        if obj is None or (types and _object_type(obj).lower() not in types):
            continue
        if select:
            found.append(odata.project(obj, select))
        elif _object_type(obj) == "user":
            # getByIds returns a subset of user properties unless $select asks for more.
            found.append({k: obj[k] for k in DEFAULT_USER_PROPERTIES if k in obj})
        else:
            found.append(copy.deepcopy(obj))
    return GraphReply(200, {"@odata.context": ctx.metadata("directoryObjects"), "value": found})


def _objects_of(kind: str, filterable: tuple[str, ...]) -> Handler:
    def handler(ctx: Context, _: dict[str, str]) -> GraphReply:
        items = [o for o in ctx.store.objects.values() if _object_type(o) == kind]
        return _collection(ctx, items, f"{kind}s", filterable, kind=kind)

    return handler


def _object(kind: str | None) -> Handler:
    def handler(ctx: Context, p: dict[str, str]) -> GraphReply:
        obj = ctx.store.objects.get(p["id"])
        if obj is None or (kind and _object_type(obj) != kind):
            raise not_found(f"Resource '{p['id']}' does not exist.", "Request_ResourceNotFound")
        select = odata.parse_query(ctx.params).select
        if kind is not None:
            check_select(kind, select)
        entity = f"{kind or 'directoryObject'}s/$entity"
        return GraphReply(
            200, {"@odata.context": ctx.metadata(entity)} | odata.project(obj, select)
        )

    return handler


def _delete_object(kind: str | None) -> Handler:
    def handler(ctx: Context, p: dict[str, str]) -> GraphReply:
        obj = ctx.store.objects.get(p["id"])
        if obj is None or (kind and _object_type(obj) != kind):
            raise not_found(f"Resource '{p['id']}' does not exist.", "Request_ResourceNotFound")
        ctx.store.delete_principal(p["id"])
        return GraphReply(204)

    return handler


for _kind, _filters in (
    ("user", ("userPrincipalName", "id", "mail")),
    ("group", ("displayName", "id")),
    ("servicePrincipal", ("appId", "displayName", "id")),
):
    route("GET", f"{_kind}s")(_objects_of(_kind, _filters))
    route("GET", f"{_kind}s/{{id}}")(_object(_kind))
    route("DELETE", f"{_kind}s/{{id}}", write=True)(_delete_object(_kind))
route("GET", "directoryObjects/{id}")(_object(None))
route("DELETE", "directoryObjects/{id}", write=True)(_delete_object(None))


@route("GET", "groups/{id}/members")
def group_members(ctx: Context, p: dict[str, str]) -> GraphReply:
    group = ctx.store.objects.get(p["id"])
    if group is None or _object_type(group) != "group":
        raise not_found(f"Resource '{p['id']}' does not exist.", "Request_ResourceNotFound")
    members = [
        ctx.store.objects[m]
        for m in ctx.store.group_members.get(p["id"], [])
        if m in ctx.store.objects
    ]
    return _collection(ctx, members, "directoryObjects", ())


@route("GET", "organization")
def organization(ctx: Context, _params: dict[str, str]) -> GraphReply:
    org = odata.project(ctx.store.organization, odata.parse_query(ctx.params).select)
    return GraphReply(200, {"@odata.context": ctx.metadata("organization"), "value": [org]})
