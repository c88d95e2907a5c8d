"""Apply the plan's access-review writes (``Plan.review_writes``), after every PIM operation
(a review grants or removes no access, so no guard depends on it), one definition at a time:

1. read the definition now (by id; a create by display name) and refuse a stale write: the
   definition changed since the plan (its fingerprint), or a create's name now exists
   differently; a write already in effect is not sent again (idempotence);
2. send it: ``create`` POST, ``update`` PUT (the full definition), ``replace`` DELETE then
   POST (a DELETE answered 404 is already done), ``delete`` DELETE;
3. read it back until Graph shows what was sent (every property sent, as sent), within the
   settle budget (Graph replicates); a POST with no definite answer is settled by that read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pim_gitops.apply.result import Status
from pim_gitops.apply.settle import SettleWait
from pim_gitops.errors import GraphError
from pim_gitops.graph.batch import BatchItem
from pim_gitops.graph.transport import GraphTransport, UncertainWriteError
from pim_gitops.plan.review_build import review_fingerprint
from pim_gitops.plan.review_model import DEFINITIONS, ReviewWrite
from pim_gitops.review_wire import read_recurrence


@dataclass(frozen=True)
class ReviewResult:
    write: ReviewWrite
    status: Status
    message: str = ""
    code: str | None = None
    request_id: str | None = None
    #: The definition's id after the write (a POST makes a new one).
    definition_id: str | None = None

    @property
    def line(self) -> str:
        tail = f": {self.message}" if self.message else ""
        return f"{self.write.label}: {self.status}{tail}"


def contains(got: Any, want: Any) -> bool:
    """``got`` (as Graph returns it) shows ``want`` (as sent): every key sent, as sent;
    Graph may add properties (and ``@odata`` annotations) of its own."""
    if isinstance(want, Mapping):
        return isinstance(got, Mapping) and all(
            k in got and contains(got[k], v) for k, v in want.items()
        )
    if isinstance(want, list):
        return (
            isinstance(got, list)
            and len(got) == len(want)
            and all(contains(g, w) for g, w in zip(got, want, strict=True))
        )
    return bool(got == want)


def shows(got: Any, want: Mapping[str, Any]) -> bool:
    """``got`` (a definition as Graph answers it) shows the definition ``want`` as sent:
    ``contains``, but the recurrence compared as read (``review_wire.read_recurrence``):
    Graph answers it in a spelling of its own."""
    settings, sent = (
        (got.get("settings"), want.get("settings")) if isinstance(got, Mapping) else (None, None)
    )
    if not isinstance(settings, Mapping) or not isinstance(sent, Mapping):
        return contains(got, want)
    if "recurrence" not in sent or "recurrence" not in settings:
        return contains(got, want)
    recurrence = read_recurrence(sent)
    if recurrence is None or read_recurrence(settings) != recurrence:
        return False
    rest = {k: v for k, v in sent.items() if k != "recurrence"}
    return contains(got, {**want, "settings": rest})


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


async def read_definition(
    transport: GraphTransport, name: str, definition_id: str | None
) -> dict[str, Any] | None:
    """The definition now, by id, else by display name; ``None`` when there is none."""
    if definition_id is None:
        params = {"$filter": f"displayName eq {_literal(name)}"}
        rows = await transport.get_all(DEFINITIONS, params=params)
        return dict(rows[0]) if rows else None
    try:
        found = await transport.get_json(f"{DEFINITIONS}/{definition_id}")
    except GraphError as exc:
        if exc.status == 404:
            return None
        raise
    return dict(found)


def stale_reason(write: ReviewWrite, current: Mapping[str, Any] | None) -> str | None:
    if write.action == "create":
        return "a definition of this name now exists; make a new plan" if current else None
    if current is None:
        return "the definition no longer exists; make a new plan"
    if review_fingerprint(current) != write.fingerprint:
        return "the definition changed since the plan was made; make a new plan"
    return None


async def _send(transport: GraphTransport, write: ReviewWrite) -> str | None:
    """The writes of one ``ReviewWrite``; the id a POST answers with."""
    one = f"{DEFINITIONS}/{write.definition_id}"
    if write.action == "update":
        await transport.send("PUT", one, body=write.body)
        return write.definition_id
    if write.action in ("delete", "replace"):
        try:
            await transport.send("DELETE", one)
        except GraphError as exc:
            if exc.status != 404:  # already gone: the DELETE is done
                raise
        if write.action == "delete":
            return None
    response = await transport.send("POST", DEFINITIONS, body=write.body)
    body = response.body if isinstance(response.body, Mapping) else {}
    made = body.get("id")
    return str(made) if made else None


def in_effect(write: ReviewWrite, current: Mapping[str, Any] | None) -> bool:
    if write.action == "delete":
        return current is None
    return current is not None and shows(current, write.body)


async def read_back(
    transport: GraphTransport, write: ReviewWrite, definition_id: str | None, wait: SettleWait
) -> tuple[bool, str | None]:
    """Whether Graph shows the write (waiting for replication), and the definition's id."""
    lookup = write.definition_id if write.action == "delete" else definition_id
    attempt = 0
    while True:
        current = await read_definition(transport, write.review, lookup)
        if in_effect(write, current):
            return True, str(current["id"]) if current and "id" in current else definition_id
        if not await wait.wait(attempt):
            return False, definition_id
        attempt += 1


async def apply_review(
    transport: GraphTransport, write: ReviewWrite, wait: SettleWait
) -> ReviewResult:
    try:
        current = await read_definition(transport, write.review, write.definition_id)
    except GraphError as exc:
        return ReviewResult(write, "failed", str(exc), exc.code, exc.request_id)
    if in_effect(write, current) and write.action in ("create", "update"):
        return ReviewResult(
            write, "succeeded", "already in effect; nothing sent", None, None, write.definition_id
        )
    if (stale := stale_reason(write, current)) is not None:
        return ReviewResult(write, "skipped", stale)
    made: str | None = write.definition_id
    note = ""
    try:
        made = await _send(transport, write)
    except UncertainWriteError as exc:
        note = f"Graph gave no definite answer ({exc}); settled by reading back"
        made = None if write.action in ("create", "replace") else made
    except GraphError as exc:
        return ReviewResult(write, "failed", str(exc), exc.code, exc.request_id)
    shown, made = await read_back(transport, write, made, wait)
    if not shown:
        why = note or wait.describe()
        return ReviewResult(
            write, "failed", f"not in effect after read-back: {why}", None, None, made
        )
    return ReviewResult(write, "succeeded", note, None, None, made)


async def apply_reviews(
    transport: GraphTransport, writes: Sequence[ReviewWrite], wait: SettleWait
) -> list[ReviewResult]:
    """Every review write, in the plan's order (by review name)."""
    return [await apply_review(transport, write, wait) for write in writes]


def review_items(writes: Sequence[ReviewWrite], first: int = 0) -> list[BatchItem]:
    """``apply --dry-run``: the review writes' requests, in order, keyed from ``first``."""
    out: list[BatchItem] = []
    for write in writes:
        for method, path in write.requests():
            body = write.body if method in ("POST", "PUT") else None
            out.append(BatchItem(str(first + len(out)), method, path, body))
    return out
