"""Administrative units: ``GET /directory/administrativeUnits`` and
``GET /directory/administrativeUnits/{id}`` (DC administrativeunit-list, administrativeunit-get,
v1.0), seeded from the snapshot's ``administrativeUnits`` (raw ``administrativeUnit`` objects:
``id``, ``displayName``, ``description``, ``isMemberManagementRestricted``, …). ``$filter``
(``eq``) on ``id`` and ``displayName``, ``$select``, paging, like every collection. Which
roles may be scoped to one is ``scoped_roles.py``."""

from __future__ import annotations

from pim_gitops.emulator import odata
from pim_gitops.emulator.errors import GraphReply, not_found
from pim_gitops.emulator.routes import Context, _collection, route

PATH = "directory/administrativeUnits"


@route("GET", PATH)
def list_units(ctx: Context, _: dict[str, str]) -> GraphReply:
    items = list(ctx.store.administrative_units.values())
    return _collection(ctx, items, PATH, ("id", "displayName"))


@route("GET", PATH + "/{id}")
def get_unit(ctx: Context, p: dict[str, str]) -> GraphReply:
    unit = ctx.store.administrative_units.get(p["id"])
    if unit is None:
        raise not_found(f"Resource '{p['id']}' does not exist.", "Request_ResourceNotFound")
    shown = odata.project(unit, odata.parse_query(ctx.params).select)
    return GraphReply(200, {"@odata.context": ctx.metadata(f"{PATH}/$entity")} | shown)
