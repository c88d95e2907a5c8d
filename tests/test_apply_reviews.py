"""Applying access-review writes (``apply/reviews.py``) against a recorded fake Graph under the
real transport (tests/test_network.py's ``Fake``): a small stateful store of definitions
that answers GET/POST/PUT/DELETE as the v1.0 pages describe them (POST 201 with the new
definition, PUT and DELETE 204). Plans come from ``build_plan`` on hand-built states."""

from __future__ import annotations

import asyncio
import copy
import json
from typing import Any

import httpx

from pim_gitops.apply.result import ApplyResult
from pim_gitops.apply.reviews import ReviewResult, apply_reviews, contains, review_items
from pim_gitops.apply.settle import SettleWait
from pim_gitops.graph.transport import GraphTransport
from pim_gitops.plan.review_model import ReviewWrite
from pim_gitops.reviews import Recurrence, ReviewTarget
from tests.test_network import Fake, transport_for
from tests.test_plan_reviews import DEF_ID, desired, live, plan_of, review, tenant
from tests.test_retry import FakeClock

BASE = "/identityGovernance/accessReviews/definitions"


class Store:
    """Definitions by id; ``lag`` GETs of a new id answer 404 first (replication)."""

    def __init__(self, *definitions: dict[str, Any], lag: int = 0, post_fails: bool = False):
        self.items = {d["id"]: copy.deepcopy(d) for d in definitions}
        self.lag = lag
        self.post_fails = post_fails
        self.writes: list[str] = []
        self.made = 0

    def __call__(self, n: int, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/v1.0")
        method = request.method
        one = path.rsplit("/", 1)[1] if path != BASE else None
        if method == "GET" and one is None:
            wanted = request.url.params.get("$filter", "").split("'")[1]
            rows = [d for d in self.items.values() if d["displayName"] == wanted]
            return httpx.Response(200, json={"value": rows})
        if method == "GET":
            if one in self.items and one.startswith("new-") and self.lag:
                self.lag -= 1
                return httpx.Response(404, json={"error": {"code": "NotFound", "message": ""}})
            if one in self.items:
                return httpx.Response(200, json=self.items[one])
            return httpx.Response(404, json={"error": {"code": "NotFound", "message": "gone"}})
        self.writes.append(f"{method} {path}")
        if method == "POST":
            self.made += 1
            made = {"id": f"new-{self.made}", "status": "NotStarted", **json.loads(request.content)}
            self.items[made["id"]] = made
            if self.post_fails:
                return httpx.Response(503, json={"error": {"code": "serviceNotAvailable"}})
            return httpx.Response(201, json=made)
        if method == "PUT":
            self.items[one] = {"id": one, "status": "InProgress", **json.loads(request.content)}
            return httpx.Response(204)
        assert method == "DELETE"
        if self.items.pop(one, None) is None:
            return httpx.Response(404, json={"error": {"code": "NotFound", "message": ""}})
        return httpx.Response(204)


def run(store: Store, writes: tuple[ReviewWrite, ...]) -> tuple[list[ReviewResult], float]:
    clock = FakeClock()
    transport: GraphTransport = transport_for(Fake(store), clock=clock)
    wait = SettleWait(transport.sleep)

    async def go() -> list[ReviewResult]:
        try:
            return await apply_reviews(transport, writes, wait)
        finally:
            await transport.close()

    return asyncio.run(go()), wait.spent


def raw(definition: Any) -> dict[str, Any]:
    return dict(definition.raw)


def test_an_update_is_one_put_read_back_and_a_second_apply_sends_nothing() -> None:
    have = live(review())
    monthly = review(recurrence=Recurrence("absoluteMonthly", 1, review().recurrence.start))
    plan = plan_of(desired(monthly), tenant(have))
    store = Store(raw(have))
    (result,), _ = run(store, plan.review_writes)
    assert (result.status, store.writes) == ("succeeded", [f"PUT {BASE}/{DEF_ID}"])
    assert store.items[DEF_ID]["settings"]["recurrence"]["pattern"]["interval"] == 1
    (again,), _ = run(store, plan.review_writes)  # the same plan again: in effect already
    assert again.status == "succeeded" and "nothing sent" in again.message
    assert store.writes == [f"PUT {BASE}/{DEF_ID}"]


def test_a_replace_deletes_then_posts_and_reads_the_new_one_back_after_replication() -> None:
    have = live(review())
    plan = plan_of(
        desired(review(target=ReviewTarget("role", review().target.id, "all"))), tenant(have)
    )
    store = Store(raw(have), lag=2)
    (result,), spent = run(store, plan.review_writes)
    assert store.writes == [f"DELETE {BASE}/{DEF_ID}", f"POST {BASE}"]
    assert (result.status, result.definition_id) == ("succeeded", "new-1")
    assert DEF_ID not in store.items and spent > 0  # waited for the new one to show


def test_a_create_is_posted_once_and_an_uncertain_post_settles_by_reading_back() -> None:
    plan = plan_of(desired(review()), tenant())
    store = Store()
    (result,), _ = run(store, plan.review_writes)
    assert (result.status, store.writes) == ("succeeded", [f"POST {BASE}"])
    (again,), _ = run(store, plan.review_writes)
    assert again.status == "succeeded" and store.writes == [f"POST {BASE}"]
    flaky = Store(post_fails=True)  # Graph made it but answered 503: never POSTed again
    (settled,), _ = run(flaky, plan.review_writes)
    assert (settled.status, flaky.writes, settled.definition_id) == (
        "succeeded",
        [f"POST {BASE}"],
        "new-1",
    )
    assert "no definite answer" in settled.message


def test_a_definition_changed_since_the_plan_is_not_written() -> None:
    have = live(review())
    plan = plan_of(desired(review(description="new words")), tenant(have))
    moved = raw(have) | {"lastModifiedDateTime": "2026-02-15T10:00:00Z"}
    store = Store(moved)
    (result,), _ = run(store, plan.review_writes)
    assert result.status == "skipped" and "changed since the plan" in result.message
    assert store.writes == []
    # Its status moving with the clock is no change.
    calm = Store(raw(have) | {"status": "Completed"})
    (ok,), _ = run(calm, plan.review_writes)
    assert ok.status == "succeeded" and calm.writes == [f"PUT {BASE}/{DEF_ID}"]


def test_a_write_graph_never_shows_fails_after_the_settle_budget() -> None:
    have = live(review())
    plan = plan_of(desired(review(description="new words")), tenant(have))

    class Ignores(Store):  # accepts the PUT, keeps the old definition
        def __call__(self, n: int, request: httpx.Request) -> httpx.Response:
            if request.method == "PUT":
                self.writes.append("PUT")
                return httpx.Response(204)
            return super().__call__(n, request)

    store = Ignores(raw(have))
    (result,), spent = run(store, plan.review_writes)
    assert result.status == "failed" and "not in effect after read-back" in result.message
    assert spent > 0


def test_contains_allows_what_graph_adds_but_not_a_different_value() -> None:
    sent = {"scope": {"query": "/x"}, "reviewers": [{"query": "/users/a"}]}
    assert contains({"scope": {"query": "/x", "@odata.type": "t"}, **sent, "id": "1"}, sent)
    assert not contains({"scope": {"query": "/y"}, "reviewers": [{"query": "/users/a"}]}, sent)
    assert not contains({"scope": {"query": "/x"}, "reviewers": []}, sent)


def test_a_dry_run_lists_the_review_requests_in_order() -> None:
    have = live(review())
    plan = plan_of(
        desired(review(target=ReviewTarget("role", review().target.id, "all"))), tenant(have)
    )
    items = review_items(plan.review_writes, 3)
    assert [(i.key, i.method, i.url) for i in items] == [
        ("3", "DELETE", f"{BASE}/{DEF_ID}"),
        ("4", "POST", BASE),
    ]
    assert items[0].body is None and items[1].body == plan.review_writes[0].body


def test_review_results_count_in_the_apply_summary_report_and_verdict() -> None:
    plan = plan_of(desired(review()), tenant())
    (write,) = plan.review_writes
    done = ApplyResult(reviews=[ReviewResult(write, "succeeded")])
    assert done.ok and done.summary_line().endswith(
        "Access reviews: 1 succeeded, 0 failed, 0 skipped."
    )
    assert [r.operation for r in done.report().reviews] == [write.label]
    assert not ApplyResult(reviews=[ReviewResult(write, "skipped", "stale")]).ok
    assert ApplyResult().summary_line() == "Apply: nothing written."
