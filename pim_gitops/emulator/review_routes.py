"""Access reviews (v1.0 ``identityGovernance/accessReviews/definitions``): list, create, get,
replace (PUT), delete definitions; list and get their instances; list an instance's decision
items. Graph's rules are ``review_rules.py``, instances ``review_state.py``, reviewed principals
``review_scope.py``; sources in ``docs/emulator.md`` ("Access reviews").

- POST → 201 and the definition as Graph reads it back (DC accessreviewset-post-definitions.md);
- PUT → 204, no body (DC accessreviewscheduledefinition-update.md);
- DELETE → 204 (DC accessreviewscheduledefinition-delete.md); its instances go with it
  (*assumption*);
- reads need ``AccessReview.Read.All`` or ``AccessReview.ReadWrite.All``, writes the latter
  (the permission tables of the same pages); a JWT caller without them gets 403
  ``Authorization_RequestDenied``.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping
from typing import Any

from pim_gitops.emulator import odata, review_rules, review_state
from pim_gitops.emulator.errors import GraphReply, not_found
from pim_gitops.emulator.routes import Context, _collection, route
from pim_gitops.wire import format_instant

PATH = "identityGovernance/accessReviews/definitions"
READ_PERMISSIONS = frozenset({"AccessReview.Read.All", "AccessReview.ReadWrite.All"})
WRITE_PERMISSIONS = frozenset({"AccessReview.ReadWrite.All"})
DENIED = "Insufficient privileges to complete the operation."
NOBODY = {"id": "00000000-0000-0000-0000-000000000000", "displayName": "", "userPrincipalName": ""}


def read_refusal(claims: Mapping[str, Any] | None, template: str) -> str | None:
    """Why a JWT caller may not read access reviews (``None``: it may, or another route)."""
    if claims is None or not template.startswith(PATH):
        return None
    roles = claims.get("roles")
    granted = {str(r) for r in roles} if isinstance(roles, list) else set()
    granted |= set(str(claims.get("scp") or "").split())
    if granted & READ_PERMISSIONS:
        return None
    return f"{DENIED} The caller has none of {', '.join(sorted(READ_PERMISSIONS))}."


def _definition(ctx: Context, definition_id: str) -> dict[str, Any]:
    found = ctx.store.review_definitions.get(definition_id.lower()) or next(
        (d for k, d in ctx.store.review_definitions.items() if k.lower() == definition_id.lower()),
        None,
    )
    if found is None:
        raise not_found(f"The access review definition '{definition_id}' does not exist.")
    return found


def _shown(ctx: Context, definition: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(dict(definition))
    out["status"] = review_state.definition_status(ctx.store, definition, ctx.now)
    return out


@route("GET", PATH)
def list_definitions(ctx: Context, _: dict[str, str]) -> GraphReply:
    rows = [_shown(ctx, d) for d in ctx.store.review_definitions.values()]
    return _collection(ctx, rows, PATH, ("id", "displayName", "status"))


@route("POST", PATH, write=True)
def create_definition(ctx: Context, _: dict[str, str]) -> GraphReply:
    body = review_rules.check_body(ctx.body, create=True)
    stamp = format_instant(ctx.now)
    stored = review_rules.as_stored(body) | {
        "id": str(uuid.uuid4()),
        "createdDateTime": stamp,
        "lastModifiedDateTime": stamp,
        "createdBy": dict(NOBODY),
    }
    ctx.store.review_definitions[stored["id"]] = stored
    shown = {"@odata.context": ctx.metadata(f"{PATH}/$entity")} | _shown(ctx, stored)
    return GraphReply(201, shown, {"Location": f"{ctx.base_url}/{PATH}/{stored['id']}"})


@route("GET", PATH + "/{id}")
def get_definition(ctx: Context, p: dict[str, str]) -> GraphReply:
    shown = odata.project(
        _shown(ctx, _definition(ctx, p["id"])), odata.parse_query(ctx.params).select
    )
    return GraphReply(200, {"@odata.context": ctx.metadata(f"{PATH}/$entity")} | shown)


@route("PUT", PATH + "/{id}", write=True)
def replace_definition(ctx: Context, p: dict[str, str]) -> GraphReply:
    """The full definition; only the future instances see the change."""
    stored = _definition(ctx, p["id"])
    body = review_rules.check_body(ctx.body, create=False)
    review_rules.check_update(stored, body)
    review_state.materialize(ctx.store, stored, ctx.now)
    for name in review_rules.UPDATABLE:
        if name == "settings":
            stored[name] = review_rules.settings_as_stored(body[name])
        elif name in ("reviewers", "fallbackReviewers"):
            stored[name] = review_rules.scopes_as_stored(body.get(name))
        else:
            stored[name] = copy.deepcopy(body.get(name, review_rules.TOP_DEFAULTS.get(name)))
    stored["lastModifiedDateTime"] = format_instant(ctx.now)
    return GraphReply(204)


@route("DELETE", PATH + "/{id}", write=True)
def delete_definition(ctx: Context, p: dict[str, str]) -> GraphReply:
    stored = _definition(ctx, p["id"])
    definition_id = str(stored["id"])
    del ctx.store.review_definitions[definition_id]
    for instance in review_state.instances_of(ctx.store, definition_id):
        del ctx.store.review_instances[str(instance["id"])]
        ctx.store.review_decisions.pop(str(instance["id"]), None)
    ctx.store.review_horizon.pop(definition_id, None)
    return GraphReply(204)


def _counted(
    ctx: Context, rows: list[dict[str, Any]], context: str, filterable: tuple[str, ...]
) -> GraphReply:
    """A page that also says how many rows match (``@odata.count``), as the documented
    instance and decision lists do (DC accessreviewscheduledefinition-list-instances.md,
    concepts/tutorial-accessreviews-roleassignments.md Steps 2-3)."""
    query = odata.parse_query(ctx.params, filterable, ctx.max_top)
    count = sum(1 for r in rows if odata.matches(r, query.filters, query.any_of))
    reply = _collection(ctx, rows, context, filterable)
    page = dict(reply.body)
    reply.body = {"@odata.context": page.pop("@odata.context"), "@odata.count": count} | page
    return reply


def _instances_context(definition_id: str) -> str:
    return f"{PATH}('{definition_id}')/instances"


@route("GET", PATH + "/{id}/instances")
def list_instances(ctx: Context, p: dict[str, str]) -> GraphReply:
    definition = _definition(ctx, p["id"])
    rows = review_state.served(ctx.store, definition, ctx.now)
    context = _instances_context(str(definition["id"]))
    return _counted(ctx, rows, context, ("id", "status"))


def _instance(ctx: Context, definition: Mapping[str, Any], instance_id: str) -> dict[str, Any]:
    for row in review_state.served(ctx.store, definition, ctx.now):
        if str(row["id"]).lower() == instance_id.lower():
            return row
    raise not_found(f"The access review instance '{instance_id}' does not exist.")


@route("GET", PATH + "/{id}/instances/{instanceId}")
def get_instance(ctx: Context, p: dict[str, str]) -> GraphReply:
    definition = _definition(ctx, p["id"])
    row = _instance(ctx, definition, p["instanceId"])
    context = f"{_instances_context(str(definition['id']))}/$entity"
    shown = odata.project(row, odata.parse_query(ctx.params).select)
    return GraphReply(200, {"@odata.context": ctx.metadata(context)} | shown)


@route("GET", PATH + "/{id}/instances/{instanceId}/decisions")
def list_decisions(ctx: Context, p: dict[str, str]) -> GraphReply:
    """One item per principal under review; an instance not started yet has none."""
    definition = _definition(ctx, p["id"])
    row = _instance(ctx, definition, p["instanceId"])
    stored = ctx.store.review_instances.get(str(row["id"]))
    items = review_state.decisions(ctx.store, stored) if stored is not None else []
    context = f"{_instances_context(str(definition['id']))}('{row['id']}')/decisions"
    return _counted(ctx, copy.deepcopy(items), context, ("id", "decision", "applyResult"))
