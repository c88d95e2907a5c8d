"""The live reader's access reviews (issue 22): every definition (paged), the latest
``INSTANCES_PER_DEFINITION`` instances of the role and group reviews and the undecided count
of those that ended, in ``$batch``es; a refused read is "not read" with its reason.

Graph is ``bench.graph_fake.FakeGraph`` behind the real msgraph pipeline, answering the
access-review routes from canned documented payloads (``tests/test_review_wire.py``)."""

from __future__ import annotations

import asyncio
import math
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest

from bench.graph_fake import FakeGraph
from pim_gitops.errors import GraphError
from pim_gitops.graph.batch import BATCH_SIZE
from pim_gitops.graph.reader import fetch_snapshot
from pim_gitops.graph.review_reader import INSTANCES_PER_DEFINITION
from pim_gitops.graph.session import open_graph
from pim_gitops.normalize import normalize_tenant
from pim_gitops.roles import GLOBAL_ADMINISTRATOR
from pim_gitops.snapshot import check_snapshot, dump_snapshot, snapshot_schema
from pim_gitops.tenantgen import SAMPLE_NOW, TenantBuilder, oid
from pim_gitops.wire import format_instant
from tests.test_review_wire import documented_group_review, role_review

REVIEWS = "identityGovernance/accessReviews/definitions"
INSTANCES = re.compile(rf"{REVIEWS}/([^/]+)/instances")
DECISIONS = re.compile(rf"{REVIEWS}/([^/]+)/instances/([^/]+)/decisions")


@dataclass
class ReviewGraph(FakeGraph):
    """``FakeGraph`` with the access-review routes: definitions (paged), instances (honouring
    ``$orderby=startDateTime desc`` and ``$top``), decisions (``$filter`` on ``decision``)."""

    definitions: list[dict[str, Any]] = field(default_factory=list)
    instances: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    decisions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def answer(self, method: str, path: str, query: dict[str, str], body: Any) -> Any:
        if not path.startswith(REVIEWS) or path in self.overrides:
            return super().answer(method, path, query, body)
        self.by_path[f"{method} {path}"] = self.by_path.get(f"{method} {path}", 0) + 1
        if found := DECISIONS.fullmatch(path):
            rows = self.decisions.get(found.group(2), [])
            wanted = re.findall(r"decision eq '(\w+)'", query.get("$filter", ""))
            return self._page(
                path, query, [r for r in rows if not wanted or r["decision"] in wanted]
            )
        if found := INSTANCES.fullmatch(path):
            rows = list(self.instances.get(found.group(1), []))
            if query.get("$orderby") == "startDateTime desc":
                rows.sort(key=lambda r: r["startDateTime"], reverse=True)
            return self._page(path, query, rows)
        return self._page(path, query, self.definitions)


def tenant() -> dict[str, Any]:
    t = TenantBuilder(oid("tenant", "reviews"), SAMPLE_NOW)
    t.add_role(GLOBAL_ADMINISTRATOR, "Global Administrator")
    return t.snapshot()


def definition(n: int, ours: bool = True) -> dict[str, Any]:
    raw = role_review(f"/roleManagement/directory/roleDefinitions/{GLOBAL_ADMINISTRATOR}")
    raw |= {"id": f"def-{n:02}", "displayName": f"Review {n}"}
    if not ours:
        raw["instanceEnumerationScope"] = {"query": "/groups", "queryType": "MicrosoftGraph"}
    return raw


def monthly_instances(definition_id: str, count: int) -> list[dict[str, Any]]:
    """``count`` 3-day instances a month apart, the last one running at ``SAMPLE_NOW``."""
    rows = []
    for k in range(count):
        start = SAMPLE_NOW - timedelta(days=1 + 30 * (count - 1 - k))
        rows.append(
            {
                "id": f"{definition_id}-i{k}",
                "startDateTime": format_instant(start),
                "endDateTime": format_instant(start + timedelta(days=3)),
                "status": "InProgress" if k == count - 1 else "Completed",
            }
        )
    return rows


def world(reviews: int = 3, instances: int = 6, page_size: int = 100) -> ReviewGraph:
    fake = ReviewGraph(tenant(), page_size=page_size)
    fake.definitions = [definition(n) for n in range(reviews)] + [definition(99, ours=False)]
    for d in fake.definitions:
        fake.instances[d["id"]] = monthly_instances(d["id"], instances)
        for i in fake.instances[d["id"]]:
            fake.decisions[i["id"]] = [
                {"id": f"{i['id']}-d{j}", "decision": "NotReviewed" if j < 3 else "Approve"}
                for j in range(5)
            ]
    return fake


def read(fake: FakeGraph) -> dict[str, Any]:
    async def go() -> dict[str, Any]:
        async with open_graph("http://127.0.0.1:9", http=httpx.MockTransport(fake)) as t:
            return await fetch_snapshot(t, now=SAMPLE_NOW)

    return asyncio.run(go())


def test_definitions_instances_and_undecided_counts_are_read() -> None:
    fake = world()
    data = read(fake)
    assert len(data["accessReviewDefinitions"]) == 4  # every definition, ours or not
    rows = data["accessReviewInstances"]
    # Ours only, the latest four of six each, with the definition they belong to.
    assert {r["definitionId"] for r in rows} == {"def-00", "def-01", "def-02"}
    assert sorted(r["id"] for r in rows if r["definitionId"] == "def-00") == [
        f"def-00-i{k}" for k in range(2, 6)
    ]
    # The ended ones are counted (3 of 5 NotReviewed); the running one is not.
    counts = {r["id"]: r.get("undecidedCount") for r in rows if r["definitionId"] == "def-00"}
    assert counts == {"def-00-i2": 3, "def-00-i3": 3, "def-00-i4": 3, "def-00-i5": None}
    state = normalize_tenant(data, SAMPLE_NOW)
    assert state.reviews is not None and state.review_read_error is None
    assert sorted(state.reviews.definitions) == ["def-00", "def-01", "def-02"]
    assert state.reviews.definitions["def-00"].target.id == GLOBAL_ADMINISTRATOR
    assert len(state.reviews.instances) == 3 * INSTANCES_PER_DEFINITION


def test_instances_and_decisions_are_batched_and_bounded() -> None:
    """One batch item per review for its instances, one per ended instance for its
    decisions, 20 a batch: 25 reviews → 2 batches of instances, 75 ended → 4 of decisions."""
    fake = world(reviews=25)
    read(fake)
    instance_reads = sum(n for p, n in fake.by_path.items() if INSTANCES.fullmatch(p[4:]))
    decision_reads = sum(n for p, n in fake.by_path.items() if DECISIONS.fullmatch(p[4:]))
    assert instance_reads == 25 and decision_reads == 25 * (INSTANCES_PER_DEFINITION - 1)
    assert fake.by_path["POST $batch"] == math.ceil(25 / BATCH_SIZE) + math.ceil(75 / BATCH_SIZE)
    assert fake.by_path[f"GET {REVIEWS}"] == 1


def test_pages_of_definitions_and_decisions_are_followed_not_those_of_instances() -> None:
    fake = world(reviews=5, page_size=2)
    data = read(fake)
    assert len(data["accessReviewDefinitions"]) == 6
    assert fake.by_path[f"GET {REVIEWS}"] == 3
    rows = data["accessReviewInstances"]
    # Undecided: 3 per ended instance, in pages of 2; instances: $top=4, first page only.
    assert {r.get("undecidedCount") for r in rows} == {3, None}
    assert len(rows) == 5 * INSTANCES_PER_DEFINITION


@pytest.mark.parametrize("status", [400, 403, 404])
def test_a_refused_read_is_recorded_not_a_crash(status: int) -> None:
    fake = world()
    fake.overrides[REVIEWS] = (
        status,
        {"error": {"code": "Forbidden", "message": "Insufficient privileges."}},
    )
    data = read(fake)
    assert "accessReviewDefinitions" not in data and "accessReviewInstances" not in data
    why = data["accessReviewReadError"]
    if status == 403:
        assert why == "403 Forbidden; listing access reviews needs AccessReview.Read.All"
    else:
        assert why == f"{status} Forbidden; access reviews are not served by this endpoint"
    state = normalize_tenant(data, SAMPLE_NOW)
    assert state.reviews is None and state.review_read_error == why
    assert GLOBAL_ADMINISTRATOR in state.roles  # the rest of the tenant is read
    check_snapshot(data, "read")


def test_a_server_error_fails_the_read() -> None:
    fake = world()
    fake.overrides[REVIEWS] = (500, {"error": {"code": "", "message": "An error has occurred."}})
    with pytest.raises(GraphError, match="An error has occurred"):
        read(fake)


def test_a_review_whose_instances_are_refused_has_none() -> None:
    class Refusing(ReviewGraph):
        def answer(self, method: str, path: str, query: dict[str, str], body: Any) -> Any:
            if path == f"{REVIEWS}/def-01/instances":
                return 403, {"error": {"code": "Forbidden", "message": "no"}}
            return super().answer(method, path, query, body)

    source = world()
    fake = Refusing(source.snapshot, definitions=source.definitions)
    fake.instances, fake.decisions = source.instances, source.decisions
    data = read(fake)
    assert {r["definitionId"] for r in data["accessReviewInstances"]} == {"def-00", "def-02"}


def test_no_review_means_one_request_and_empty_lists() -> None:
    fake = ReviewGraph(tenant())
    data = read(fake)
    assert data["accessReviewDefinitions"] == [] and data["accessReviewInstances"] == []
    assert sum(n for p, n in fake.by_path.items() if REVIEWS in p) == 1
    state = normalize_tenant(data, SAMPLE_NOW)
    assert state.reviews is not None and state.reviews.definitions == {}


def test_what_is_read_is_a_valid_snapshot_that_normalizes_the_same_after_writing() -> None:
    import json

    import jsonschema

    fake = world()
    fake.definitions.append(documented_group_review())
    data = read(fake)
    written = json.loads(dump_snapshot(data))
    jsonschema.validate(written, snapshot_schema())
    check_snapshot(written, "written")
    a, b = normalize_tenant(data, SAMPLE_NOW), normalize_tenant(written, SAMPLE_NOW)
    assert a.reviews == b.reviews and a.reviews is not None
    assert len(a.reviews.definitions) == 4  # three role reviews and the group review
