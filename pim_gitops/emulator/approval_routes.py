"""Approvals of PIM requests, Graph **beta** only: ``GET /beta/roleManagement/directory/
roleAssignmentApprovals/{id}`` (the ``approvalId`` of a schedule request) and its
``/stages``. Seeded from the snapshot's ``roleAssignmentApprovals`` (raw beta approvals with
their ``stages``, ``beta_state.py``). Sources in ``docs/emulator.md`` "Request history and
approvals".

- an unknown id answers 404 (*assumption* on the code);
- reads need a role-management read permission (as listing the requests does: v1.0
  ``rbacapplication-list-roleassignmentschedulerequests`` permissions, *assumption* that
  the approval read needs no more).
"""

from __future__ import annotations

import copy

from pim_gitops.emulator import odata
from pim_gitops.emulator.errors import GraphReply, not_found
from pim_gitops.emulator.routes import Context, _collection, route

PATH = "roleManagement/directory/roleAssignmentApprovals"


def _approval(ctx: Context, approval_id: str) -> dict[str, object]:
    table = ctx.store.beta.approvals
    for key, value in table.items():
        if key.lower() == approval_id.lower():
            return copy.deepcopy(value)
    raise not_found(f"The approval '{approval_id}' does not exist.")


@route("GET", f"{PATH}/{{id}}", version="beta")
def get_approval(ctx: Context, p: dict[str, str]) -> GraphReply:
    approval = _approval(ctx, p["id"])
    body = {"@odata.context": ctx.metadata(f"{PATH}/$entity")}
    return GraphReply(200, body | odata.project(approval, odata.parse_query(ctx.params).select))


@route("GET", f"{PATH}/{{id}}/stages", version="beta")
def list_stages(ctx: Context, p: dict[str, str]) -> GraphReply:
    approval = _approval(ctx, p["id"])
    stages = approval.get("stages")
    rows = [dict(s) for s in stages if isinstance(s, dict)] if isinstance(stages, list) else []
    return _collection(ctx, rows, f"{PATH}('{approval['id']}')/stages", ("id", "status"))
