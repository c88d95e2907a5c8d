"""Read the PIM-for-Groups request history of a window (``ExtraReads.history_since`` → now):
the membership and ownership requests (activations, assignments, removals…) of each group
whose PIM for Groups was read (``privilegedAccessGroupsRead``).

Graph v1.0 "List assignmentScheduleRequests" / "List eligibilityScheduleRequests"
(privilegedaccessgroup-list-assignmentschedulerequests.md, …-list-eligibilityschedulerequests.md):
``GET /identityGovernance/privilegedAccess/group/assignmentScheduleRequests?$filter=groupId eq
'{groupId}'``; the method "requires the ``$filter`` (``eq``) query parameter to scope the
request to a **principalId** or a **groupId**", so there is no tenant-wide list: one batch
item per group per collection (``$batch``es of 20), every page. As for directory roles, the
window is applied client-side (``history_reader.created_since``). A 400, 403 or 404 on a
group is a gap of that collection (``requestHistoryGaps``), never a failed read.

Approvals of group requests are not read: their approval column says "unknown (approvals not
read)"."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pim_gitops.errors import GraphError
from pim_gitops.graph.batch import BatchItem
from pim_gitops.graph.extras import ExtraReads
from pim_gitops.graph.group_reader import GROUP_API, UNREADABLE, _url, batched_pages
from pim_gitops.graph.history_reader import created_since
from pim_gitops.graph.transport import GraphTransport
from pim_gitops.snapshot_extras import (
    GROUP_HISTORY_ASSIGNMENTS,
    GROUP_HISTORY_ELIGIBILITIES,
    HISTORY_GAPS,
)

#: Snapshot key → (Graph collection under ``GROUP_API``, the permission an app needs).
COLLECTIONS = {
    GROUP_HISTORY_ASSIGNMENTS: (
        "assignmentScheduleRequests",
        "PrivilegedAssignmentSchedule.Read.AzureADGroup",
    ),
    GROUP_HISTORY_ELIGIBILITIES: (
        "eligibilityScheduleRequests",
        "PrivilegedEligibilitySchedule.Read.AzureADGroup",
    ),
}


def history_items(group_ids: Iterable[str]) -> list[BatchItem]:
    """One batch item per group per request collection (key ``<snapshot key>|<group id>``)."""
    return [
        BatchItem(
            key=f"{key}|{gid}",
            method="GET",
            url=_url(f"{GROUP_API}/{path}", {"$filter": f"groupId eq '{gid}'"}),
            target=f"{path} of group {gid} (history)",
        )
        for key, (path, _) in COLLECTIONS.items()
        for gid in sorted(group_ids)
    ]


def _why(error: GraphError, need: str) -> str:
    words = f"{error.status} {error.code or ''}".strip() + f" on {error.target or error.url}"
    return words + (f"; needs {need}" if error.status == 403 else "")


async def with_group_history(
    transport: GraphTransport, extras: ExtraReads, group_ids: Iterable[str], extra: dict[str, Any]
) -> dict[str, Any]:
    """``extra`` (the extra reads' snapshot keys) with the groups' request history added
    (unchanged when no window is asked for), and a ``requestHistoryGaps`` entry per
    collection a group refused."""
    since = extras.history_since
    if since is None:
        return extra
    items = history_items({g.lower() for g in group_ids})
    pages = await batched_pages(transport, items) if items else {}
    out: dict[str, Any] = {key: [] for key in COLLECTIONS}
    gaps: dict[str, str] = {}
    for item in items:
        key = item.key.partition("|")[0]
        found = pages[item.key]
        if isinstance(found, GraphError):
            if found.status not in UNREADABLE:
                raise found
            gaps.setdefault(f"group/{COLLECTIONS[key][0]}", _why(found, COLLECTIONS[key][1]))
            continue
        out[key] += created_since(found, since)
    gaps |= extra.get(HISTORY_GAPS) or {}
    return extra | out | ({HISTORY_GAPS: dict(sorted(gaps.items()))} if gaps else {})
