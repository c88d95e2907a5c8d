"""PIM alerts for directory roles, Graph **beta** only: ``/beta/identityGovernance/
roleManagementAlerts/{alertDefinitions,alertConfigurations,alerts}``. Under ``/v1.0`` these
paths answer "Resource not found for the segment" like every unknown path. Sources in
``docs/emulator.md`` "PIM alerts".

- Lists need ``$filter=scopeId eq '/' and scopeType eq 'DirectoryRole'`` (400 otherwise,
  DC concepts/how-to-pim-alerts.md "List all PIM alerts");
- ``PATCH alertConfigurations/{id}`` takes the configuration's own ``@odata.type`` and its
  own properties, checked against the documented ranges; answers 204 (same page, "Update an
  alert configuration");
- ``PATCH alerts/{id}`` ``{"isActive": false}`` dismisses (204); ``POST alerts/{id}/refresh``
  and ``POST alerts/refresh`` rescan and answer 202 with a ``Location``;
- reads need ``RoleManagementAlert.Read.Directory`` or ``…ReadWrite.Directory``, writes the
  latter (DC beta/api/rolemanagementalert-list-alertconfigurations.md permissions).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from pim_gitops.emulator import alert_state, odata
from pim_gitops.emulator.alert_table import ODATA, type_of
from pim_gitops.emulator.beta_state import CONFIGS
from pim_gitops.emulator.errors import GraphReply, bad_request, not_found
from pim_gitops.emulator.routes import Context, _collection, route
from pim_gitops.wire import DurationError, format_instant, parse_duration

PATH = "identityGovernance/roleManagementAlerts"
READ = frozenset({"RoleManagementAlert.Read.Directory", "RoleManagementAlert.ReadWrite.Directory"})
WRITE = frozenset({"RoleManagementAlert.ReadWrite.Directory"})
FILTERS = ("scopeId", "scopeType", "alertDefinitionId", "id")
#: The alert list also filters on ``isActive`` (*assumption*: the beta resource page is a
#: stub that marks no property filterable).
ALERT_FILTERS = (*FILTERS, "isActive")
FIXED = ("id", "alertDefinitionId", "scopeId", "scopeType")


def refusal(claims: Mapping[str, Any] | None, template: str, write: bool) -> str | None:
    """Why a JWT caller may not call this alert route (``None``: it may, or not an alert)."""
    if claims is None or not template.startswith(PATH):
        return None
    roles = claims.get("roles")
    granted = {str(r) for r in roles} if isinstance(roles, list) else set()
    granted |= set(str(claims.get("scp") or "").split())
    needed = WRITE if write else READ
    if granted & needed:
        return None
    return (
        "Insufficient privileges to complete the operation. "
        f"The caller has none of {', '.join(sorted(needed))}."
    )


def _scoped(ctx: Context) -> None:
    given = dict(odata.parse_query(ctx.params, ALERT_FILTERS, ctx.max_top).filters)
    if given.get("scopeId") != "/" or given.get("scopeType", "").lower() != "directoryrole":
        raise bad_request(
            "The filter scopeId eq '/' and scopeType eq 'DirectoryRole' is required.",
            "InvalidFilter",
        )


def _now(ctx: Context) -> str:
    return format_instant(ctx.now)


def _known(ctx: Context, table: Mapping[str, Any], item_id: str, what: str) -> str:
    for key in table:
        if key.lower() == item_id.lower():
            return str(key)
    raise not_found(f"The {what} '{item_id}' does not exist.")


# --- definitions ---------------------------------------------------------------------------


@route("GET", f"{PATH}/alertDefinitions", version="beta")
def list_definitions(ctx: Context, _: dict[str, str]) -> GraphReply:
    _scoped(ctx)
    rows = copy.deepcopy(list(ctx.store.beta.definitions.values()))
    return _collection(ctx, rows, f"{PATH}/alertDefinitions", FILTERS)


@route("GET", f"{PATH}/alertDefinitions/{{id}}", version="beta")
def get_definition(ctx: Context, p: dict[str, str]) -> GraphReply:
    key = _known(ctx, ctx.store.beta.definitions, p["id"], "alert definition")
    body = {"@odata.context": ctx.metadata(f"{PATH}/alertDefinitions/$entity")}
    return GraphReply(200, body | copy.deepcopy(ctx.store.beta.definitions[key]))


# --- configurations ------------------------------------------------------------------------


def _config_expander(ctx: Context) -> Callable[[dict[str, Any], str], dict[str, Any]]:
    def expand(row: dict[str, Any], what: str) -> dict[str, Any]:
        names = {w.strip() for w in what.split(",")}
        if not names <= {"alertDefinition", "*"}:
            raise bad_request(f"Could not find a property named '{what}' to expand.")
        definition = ctx.store.beta.definitions.get(str(row["id"]))
        return row | {"alertDefinition": copy.deepcopy(definition)}

    return expand


@route("GET", f"{PATH}/alertConfigurations", version="beta")
def list_configurations(ctx: Context, _: dict[str, str]) -> GraphReply:
    _scoped(ctx)
    rows = copy.deepcopy(list(ctx.store.beta.configs.values()))
    return _collection(ctx, rows, f"{PATH}/alertConfigurations", FILTERS, _config_expander(ctx))


@route("GET", f"{PATH}/alertConfigurations/{{id}}", version="beta")
def get_configuration(ctx: Context, p: dict[str, str]) -> GraphReply:
    key = _known(ctx, ctx.store.beta.configs, p["id"], "alert configuration")
    row = copy.deepcopy(ctx.store.beta.configs[key])
    query = odata.parse_query(ctx.params)
    if query.expand:
        row = _config_expander(ctx)(row, query.expand)
    body = {"@odata.context": ctx.metadata(f"{PATH}/alertConfigurations/$entity")}
    return GraphReply(200, body | odata.project(row, query.select))


def _invalid(message: str) -> Exception:
    # Graph documents no error for a bad value; status and code are *assumption*.
    return bad_request(message, "InvalidAlertConfiguration")


def _checked_value(parameter: Any, value: Any) -> Any:
    if parameter.kind == "count":
        if isinstance(value, bool) or not isinstance(value, int):
            raise _invalid(f"{parameter.graph} must be a whole number.")
        amount = value
    else:
        try:
            amount = parse_duration(value)
        except DurationError as exc:
            raise _invalid(f"{parameter.graph}: {exc}") from None
    high = "" if parameter.high is None else f"..{parameter.high}"
    if amount < parameter.low or (parameter.high is not None and amount > parameter.high):
        unit = "" if parameter.kind == "count" else " seconds"
        raise _invalid(f"{parameter.graph} must be in {parameter.low}{high}{unit}.")
    return value


def check_configuration_patch(stored: Mapping[str, Any], body: Any) -> dict[str, Any]:
    """The changes a configuration PATCH makes; a GraphFault if Graph would refuse it."""
    kind = type_of(str(stored["id"]))
    assert kind is not None
    if not isinstance(body, Mapping):
        raise bad_request("The request body must be a JSON object.")
    odata_type = str(body.get("@odata.type") or "")
    if odata_type.lstrip("#") != (ODATA + kind.configuration_type).lstrip("#"):
        raise _invalid(
            f'The body must carry "@odata.type": "{ODATA}{kind.configuration_type}" '
            f"(got {odata_type or 'none'})."
        )
    by_name = {p.graph: p for p in kind.parameters}
    changes: dict[str, Any] = {}
    for name, value in body.items():
        if name in ("@odata.type", "@odata.context"):
            continue
        if name in FIXED:
            if value != stored.get(name):
                raise _invalid(f"{name} is read-only.")
        elif name == "isEnabled":
            if not isinstance(value, bool):
                raise _invalid("isEnabled must be true or false.")
            changes[name] = value
        elif name in by_name:
            changes[name] = _checked_value(by_name[name], value)
        else:
            raise _invalid(f"{kind.configuration_type} has no property {name!r}.")
    return changes


@route("PATCH", f"{PATH}/alertConfigurations/{{id}}", write=True, version="beta")
def patch_configuration(ctx: Context, p: dict[str, str]) -> GraphReply:
    key = _known(ctx, ctx.store.beta.configs, p["id"], "alert configuration")
    stored = ctx.store.beta.configs[key]
    stored.update(check_configuration_patch(stored, ctx.body))
    ctx.store.beta.changed.add(CONFIGS)
    return GraphReply(204)


# --- alerts --------------------------------------------------------------------------------

EXPANDABLE = {"alertDefinition", "alertConfiguration", "alertIncidents"}


def _alert_expander(ctx: Context) -> Callable[[dict[str, Any], str], dict[str, Any]]:
    def expand(row: dict[str, Any], what: str) -> dict[str, Any]:
        names = {w.strip() for w in what.split(",")}
        names = EXPANDABLE if "*" in names else names
        if not names <= EXPANDABLE:
            raise bad_request(f"Could not find a property named '{what}' to expand.")
        out = dict(row)
        alert_id = str(row["id"])
        if "alertConfiguration" in names:
            out["alertConfiguration"] = copy.deepcopy(ctx.store.beta.configs[alert_id])
        if "alertDefinition" in names:
            out["alertDefinition"] = copy.deepcopy(ctx.store.beta.definitions[alert_id])
        if "alertIncidents" in names:
            out["alertIncidents"] = alert_state.incidents(ctx.store, alert_id)
        return out

    return expand


@route("GET", f"{PATH}/alerts", version="beta")
def list_alerts(ctx: Context, _: dict[str, str]) -> GraphReply:
    _scoped(ctx)
    rows = [alert_state.alert(ctx.store, a, _now(ctx)) for a in alert_state.alert_ids(ctx.store)]
    return _collection(ctx, rows, f"{PATH}/alerts", ALERT_FILTERS, _alert_expander(ctx))


def _alert_id(ctx: Context, alert_id: str) -> str:
    return _known(ctx, ctx.store.beta.configs, alert_id, "alert")


@route("GET", f"{PATH}/alerts/{{id}}", version="beta")
def get_alert(ctx: Context, p: dict[str, str]) -> GraphReply:
    row = alert_state.alert(ctx.store, _alert_id(ctx, p["id"]), _now(ctx))
    query = odata.parse_query(ctx.params)
    entity = f"{PATH}/alerts/$entity"
    if query.expand:
        row = _alert_expander(ctx)(row, query.expand)
        # As in how-to-pim-alerts.md: alerts(alertConfiguration(),…)/$entity.
        names = sorted(k for k in EXPANDABLE if k in row)
        entity = f"{PATH}/alerts({','.join(n + '()' for n in names)})/$entity"
    body = {"@odata.context": ctx.metadata(entity)}
    return GraphReply(200, body | odata.project(row, query.select))


@route("GET", f"{PATH}/alerts/{{id}}/alertIncidents", version="beta")
def list_incidents(ctx: Context, p: dict[str, str]) -> GraphReply:
    alert_id = _alert_id(ctx, p["id"])
    rows = alert_state.incidents(ctx.store, alert_id)
    return _collection(ctx, rows, f"{PATH}/alerts('{alert_id}')/alertIncidents", ("id",))


@route("PATCH", f"{PATH}/alerts/{{id}}", write=True, version="beta")
def patch_alert(ctx: Context, p: dict[str, str]) -> GraphReply:
    alert_id = _alert_id(ctx, p["id"])
    body = ctx.body if isinstance(ctx.body, Mapping) else {}
    if set(body) != {"isActive"} or not isinstance(body["isActive"], bool):
        raise bad_request("Only isActive (true or false) can be updated on an alert.")
    if body["isActive"]:
        ctx.store.beta.dismissed.discard(alert_id)
    else:
        ctx.store.beta.dismissed.add(alert_id)
    return GraphReply(204)


def _refreshed(ctx: Context, alert_id: str) -> GraphReply:
    location = f"{ctx.base_url}/{PATH}/operations/refresh:{alert_id}"
    return GraphReply(202, None, {"Location": location})


@route("POST", f"{PATH}/alerts/{{id}}/refresh", write=True, version="beta")
def refresh_alert(ctx: Context, p: dict[str, str]) -> GraphReply:
    alert_id = _alert_id(ctx, p["id"])
    ctx.store.beta.dismissed.discard(alert_id)
    return _refreshed(ctx, alert_id)


@route("POST", f"{PATH}/alerts/refresh", write=True, version="beta")
def refresh_all(ctx: Context, _: dict[str, str]) -> GraphReply:
    body = ctx.body if isinstance(ctx.body, Mapping) else {}
    if body.get("scopeId") != "/" or body.get("scopeType") != "DirectoryRole":
        raise bad_request("Only scopeId '/' and scopeType 'DirectoryRole' are supported.")
    ctx.store.beta.dismissed.clear()
    return _refreshed(ctx, alert_state.alert_ids(ctx.store)[-1])
