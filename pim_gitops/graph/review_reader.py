"""Read the tenant's access reviews: every definition, then the recent instances of the role
and group reviews, then how many decisions of their ended instances are still undecided.

Requests, at most: the definitions' pages (Graph's default page size is 100,
accessreviewset-list-definitions); one ``$batch`` item per role or group review for its
``INSTANCES_PER_DEFINITION`` latest instances (``$orderby=startDateTime desc&$top=4``, the
first page only: the bound; accessreviewscheduledefinition-list-instances documents
``$orderby`` and ``$top``); one item per ended instance among those for its ``NotReviewed``
decisions (``$filter=decision eq 'NotReviewed'&$select=id``, pages followed;
accessreviewinstance-list-decisions documents ``$filter`` and ``$select``). Items go in
``$batch``es of 20.

Permissions: ``AccessReview.Read.All`` for all three (the v1.0 pages above). A refused list of
definitions (``UNREADABLE``: 403 without the permission; 400/404 where the endpoint is not
served) is recorded under ``accessReviewReadError`` and the reviews are "not read", never a
failed snapshot; a refused instance or decision list leaves that definition without
instances or that instance uncounted. Any other failure fails the read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from pim_gitops.errors import GraphError, SnapshotError
from pim_gitops.graph.batch import BatchItem, send_batched
from pim_gitops.graph.envelopes import parse_page
from pim_gitops.graph.group_reader import batched_pages
from pim_gitops.graph.transport import GraphTransport, error_from
from pim_gitops.review_wire import review_target
from pim_gitops.snapshot import REVIEW_DEFINITIONS, REVIEW_INSTANCES
from pim_gitops.snapshot_extras import REVIEW_READ_ERROR
from pim_gitops.wire import parse_instant

DEFINITIONS = "identityGovernance/accessReviews/definitions"
#: The latest instances read per review: the current one and the three before it (a
#: quarterly review's last year), enough for "ended without decisions" posture.
INSTANCES_PER_DEFINITION = 4
UNREADABLE = frozenset({400, 403, 404})
PERMISSION = "AccessReview.Read.All"


def refusal(error: GraphError) -> str:
    """Why the reviews were not read, in words: a 403 names the permission."""
    why = f"{error.status} {error.code or ''}".strip()
    if error.status == 403:
        return f"{why}; listing access reviews needs {PERMISSION}"
    return f"{why}; access reviews are not served by this endpoint"


def _url(path: str, params: dict[str, str]) -> str:
    return f"/{path}?{urlencode(params, quote_via=quote, safe='$,()=')}"


def instance_items(definition_ids: Sequence[str]) -> list[BatchItem]:
    """One batch item per definition: its latest instances, newest first."""
    params = {"$orderby": "startDateTime desc", "$top": str(INSTANCES_PER_DEFINITION)}
    return [
        BatchItem(
            key=d,
            method="GET",
            url=_url(f"{DEFINITIONS}/{d}/instances", params),
            target=f"instances of access review {d}",
        )
        for d in definition_ids
    ]


def decision_items(instances: Sequence[dict[str, Any]]) -> list[BatchItem]:
    """One batch item per instance: its decisions still ``NotReviewed`` (ids only)."""
    params = {"$filter": "decision eq 'NotReviewed'", "$select": "id"}
    return [
        BatchItem(
            key=str(i["id"]),
            method="GET",
            url=_url(f"{DEFINITIONS}/{i['definitionId']}/instances/{i['id']}/decisions", params),
            target=f"decisions of access review instance {i['id']}",
        )
        for i in instances
    ]


def _ours(definitions: Sequence[Any]) -> list[str]:
    """The ids of the role and group reviews (``review_wire.review_target``)."""
    found = set()
    for raw in definitions:
        try:
            ours = review_target(raw) is not None
        except SnapshotError:
            ours = True  # malformed: normalize names it
        if ours and isinstance(raw, dict) and raw.get("id"):
            found.add(str(raw["id"]))
    return sorted(found)


async def _instances(transport: GraphTransport, ids: Sequence[str]) -> list[dict[str, Any]]:
    """The first page (at most ``INSTANCES_PER_DEFINITION``) of each definition's instances,
    each with its ``definitionId``."""
    items = instance_items(ids)
    outcomes = await send_batched(transport, items)
    rows: list[dict[str, Any]] = []
    for item in items:
        outcome = outcomes[item.key]
        if not isinstance(outcome, GraphError) and not 200 <= outcome.status < 300:
            outcome = error_from(outcome, item.method, item.url, item.target)
        if isinstance(outcome, GraphError):
            if outcome.status in UNREADABLE:
                continue
            raise outcome
        page = parse_page(outcome, method=item.method, url=item.url, target=item.target)
        found = [r for r in page.value if isinstance(r, dict)][:INSTANCES_PER_DEFINITION]
        rows += [{**r, "definitionId": item.key} for r in found]
    return rows


def _ended(instance: dict[str, Any], now: datetime) -> bool:
    end = instance.get("endDateTime")
    try:
        return isinstance(end, str) and parse_instant(end) <= now
    except ValueError:
        return False  # normalize names the malformed instance


async def _counted(
    transport: GraphTransport, instances: list[dict[str, Any]], now: datetime
) -> list[dict[str, Any]]:
    """``instances`` with ``undecidedCount`` on those that ended and could be counted."""
    ended = [i for i in instances if _ended(i, now) and i.get("id")]
    pages = await batched_pages(transport, decision_items(ended))
    out = []
    for instance in instances:
        rows = pages.get(str(instance.get("id")))
        if isinstance(rows, GraphError) and rows.status not in UNREADABLE:
            raise rows
        out.append(
            {**instance, "undecidedCount": len(rows)} if isinstance(rows, list) else instance
        )
    return out


async def read_reviews(transport: GraphTransport, now: datetime) -> dict[str, Any]:
    """The snapshot keys of the access reviews (``snapshot.REVIEW_*``)."""
    try:
        definitions = await transport.get_all(DEFINITIONS, target="access review definitions")
    except GraphError as exc:
        if exc.status not in UNREADABLE:
            raise
        return {REVIEW_READ_ERROR: refusal(exc)}
    instances = await _instances(transport, _ours(definitions))
    return {
        REVIEW_DEFINITIONS: definitions,
        REVIEW_INSTANCES: await _counted(transport, instances, now),
    }


def reviewer_ids(reviews: dict[str, Any]) -> set[str]:
    """The users and groups our review definitions name as (fallback) reviewers, so the
    principal read names them (export writes ``user:<upn>``, lint checks self-review). A
    definition that does not normalize is skipped here; normalize reports it."""
    from pim_gitops.review_wire import normalize_review

    ids: set[str] = set()
    for raw in reviews.get(REVIEW_DEFINITIONS, ()):
        try:
            review = normalize_review(raw)
        except SnapshotError:
            continue
        for ref in () if review is None else (*review.reviewers, *review.fallback_reviewers):
            kind, _, value = ref.partition(":")
            if kind in ("user", "group", "owners") and value:
                ids.add(value)
    return ids
