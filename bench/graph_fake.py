"""A small fake Graph over a snapshot, behind ``httpx.MockTransport``: the reader's queries
only (directory PIM, PIM for Groups with its required ``$filter``, ``getByIds``, members,
administrative units, ``$batch``), paged, with an optional latency per HTTP request.

For the reader's tests and ``bench/groups.py`` while the emulator does not serve PIM for
Groups; it answers from the snapshot as stored and enforces only what the reader relies on
(the group collections' mandatory ``$filter``, ``$top`` at most 999, 20 items a batch)."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

BASE = "http://127.0.0.1:9/v1.0"
FILTER = re.compile(r"(\w+) eq '([^']*)'")
GROUP_API = "identityGovernance/privilegedAccess/group/"
COLLECTIONS = {
    "organization": "organization",
    "roleManagement/directory/roleDefinitions": "roleDefinitions",
    "roleManagement/directory/roleEligibilitySchedules": "roleEligibilitySchedules",
    "roleManagement/directory/roleAssignmentSchedules": "roleAssignmentSchedules",
    "roleManagement/directory/roleAssignments": "roleAssignments",
    "roleManagement/directory/roleEligibilityScheduleRequests": "roleEligibilityScheduleRequests",
    "roleManagement/directory/roleAssignmentScheduleRequests": "roleAssignmentScheduleRequests",
    "directory/administrativeUnits": "administrativeUnits",
    "identity/conditionalAccess/authenticationContextClassReferences": (
        "authenticationContextClassReferences"
    ),
}
TYPED = {"users": "user", "groups": "group", "servicePrincipals": "servicePrincipal"}
FILTERED = {
    "policies/roleManagementPolicies": "roleManagementPolicies",
    "policies/roleManagementPolicyAssignments": "roleManagementPolicyAssignments",
    GROUP_API + "eligibilitySchedules": "privilegedAccessGroupEligibilitySchedules",
    GROUP_API + "assignmentSchedules": "privilegedAccessGroupAssignmentSchedules",
}


def _error(status: int, code: str, message: str) -> tuple[int, Any]:
    return status, {"error": {"code": code, "message": message}}


@dataclass
class FakeGraph:
    """``handler`` for ``httpx.MockTransport``; ``overrides`` maps a path (no query) to a
    fixed ``(status, body)`` answer, to script failures."""

    snapshot: Mapping[str, Any]
    page_size: int = 100
    latency_s: float = 0.0
    overrides: dict[str, tuple[int, Any]] = field(default_factory=dict)
    requests: int = 0
    batch_items: int = 0
    by_path: dict[str, int] = field(default_factory=dict)

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        path = request.url.path.removeprefix("/v1.0/")
        body = json.loads(request.content) if request.content else None
        query = dict(parse_qsl(request.url.query.decode()))
        status, answer = self.answer(request.method, path, query, body)
        return httpx.Response(status, json=answer)

    def answer(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        self.by_path[f"{method} {path}"] = self.by_path.get(f"{method} {path}", 0) + 1
        if path in self.overrides:
            return self.overrides[path]
        if method == "POST" and path == "$batch":
            return 200, {"responses": [self._inner(item) for item in body["requests"]]}
        if method == "POST" and path == "directoryObjects/getByIds":
            wanted = set(body["ids"])
            rows = [o for o in self.snapshot["directoryObjects"] if o["id"] in wanted]
            return 200, {"value": rows}
        rows = self._rows(path, query)
        if isinstance(rows, tuple):
            return rows
        return self._page(path, query, rows)

    def _inner(self, item: Mapping[str, Any]) -> dict[str, Any]:
        self.batch_items += 1
        parts = urlsplit(item["url"])
        query = dict(parse_qsl(parts.query))
        status, body = self.answer(item["method"], parts.path.lstrip("/"), query, item.get("body"))
        return {"id": item["id"], "status": status, "headers": {}, "body": body}

    def _rows(self, path: str, query: dict[str, str]) -> list[Any] | tuple[int, Any]:
        if path in COLLECTIONS:
            found = self.snapshot.get(COLLECTIONS[path]) or []
            return [found] if isinstance(found, Mapping) else list(found)
        if path in TYPED and "$filter" in query:  # lookups: ``prop in ('a', 'b')``
            prop, _, values = query["$filter"].partition(" in ")
            names = {v.casefold() for v in re.findall(r"'((?:[^']|'')*)'", values)}
            kind = f"#microsoft.graph.{TYPED[path]}"
            return [
                o
                for o in self.snapshot["directoryObjects"]
                if o.get("@odata.type") == kind and str(o.get(prop, "")).casefold() in names
            ]
        members = re.fullmatch(r"groups/([^/]+)/members", path)
        if members:
            ids = (self.snapshot.get("groupMembers") or {}).get(members.group(1), [])
            return [{"@odata.type": "#microsoft.graph.user", "id": i} for i in ids]
        if path not in FILTERED:
            return _error(400, "BadRequest", f"Resource not found for the segment '{path}'.")
        wanted = dict(FILTER.findall(query.get("$filter", "")))
        if not wanted:
            return _error(400, "BadRequest", "The $filter query parameter is required.")
        rows = [
            r
            for r in self.snapshot.get(FILTERED[path]) or []
            if all(str(r.get(k, "/" if k == "scopeId" else "")) == v for k, v in wanted.items())
            or _directory_match(r, wanted)
        ]
        if "rules" not in query.get("$expand", ""):
            rows = [{k: v for k, v in r.items() if k != "rules"} for r in rows]
        return rows

    def _page(self, path: str, query: dict[str, str], rows: list[Any]) -> tuple[int, Any]:
        top = int(query.get("$top", self.page_size))
        if top > 999:
            return _error(400, "BadRequest", "$top must be at most 999.")
        skip = int(query.get("$skiptoken", "0"))
        page: dict[str, Any] = {"value": rows[skip : skip + top]}
        if skip + top < len(rows):
            rest = {k: v for k, v in query.items() if k != "$skiptoken"}
            page["@odata.nextLink"] = f"{BASE}/{path}?" + urlencode(
                {**rest, "$skiptoken": str(skip + top)}
            )
        return 200, page


def _directory_match(row: Mapping[str, Any], wanted: Mapping[str, str]) -> bool:
    """The directory filter (``scopeId eq '/' and scopeType eq 'DirectoryRole'``) matches the
    directory policies whatever their stored ``scopeType`` spelling."""
    return (
        wanted.get("scopeId") == "/"
        and wanted.get("scopeType") in ("DirectoryRole", "Directory")
        and str(row.get("scopeType") or "DirectoryRole") in ("DirectoryRole", "Directory")
    )
