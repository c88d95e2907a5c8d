"""Approvals of PIM requests, Graph **beta** only: ``GET /beta/roleManagement/directory/
roleAssignmentApprovals/{id}`` (the ``approvalId`` of a schedule request) and its
``/steps``. Seeded from the snapshot's ``roleAssignmentApprovals`` (raw beta approvals with
their ``steps``, as DC beta approval-get.md shows them; ``beta_state.py``). Sources in
``docs/emulator.md`` "Request history and approvals".

- an unknown id answers 404 (*assumption* on the code);
- app-only callers are refused: the beta "Get approval" and "List approvalSteps" pages list
  the application permission for PIM for Microsoft Entra roles as "Not supported" (403
  ``Authorization_RequestDenied``, code and status *assumption*);
- reads need a role-management read permission (as listing the requests does: v1.0
  ``rbacapplication-list-roleassignmentschedulerequests`` permissions, *assumption* that
  the approval read needs no more).
"""

from __future__ import annotations

import copy

from pim_gitops.emulator import odata
from pim_gitops.emulator.errors import GraphFault, GraphReply, not_found
from pim_gitops.emulator.routes import Context, _collection, route

PATH = "roleManagement/directory/roleAssignmentApprovals"


def _approval(ctx: Context, approval_id: str) -> dict[str, object]:
    if ctx.user_id is None:
        raise GraphFault(
            403,
            "Authorization_RequestDenied",
            "Reading approvals of PIM for Microsoft Entra roles needs a signed-in user; "
            "application permissions are not supported.",
        )
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


@route("GET", f"{PATH}/{{id}}/steps", version="beta")
def list_steps(ctx: Context, p: dict[str, str]) -> GraphReply:
    approval = _approval(ctx, p["id"])
    steps = approval.get("steps")
    rows = [dict(s) for s in steps if isinstance(s, dict)] if isinstance(steps, list) else []
    return _collection(ctx, rows, f"{PATH}('{approval['id']}')/steps", ("id", "status"))
