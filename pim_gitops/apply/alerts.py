"""Apply the plan's PIM-alert writes (``Plan.alert_writes``), after the access reviews (an
alert setting grants or removes no access, so no guard depends on it), one configuration
at a time, on Graph beta:

1. read the configuration now (``GET …/alertConfigurations/{id}``) and refuse a stale write
   (it changed since the plan: its fingerprint); a write already in effect is not sent
   again (idempotence);
2. ``PATCH`` it with the configuration type's ``@odata.type`` and the declared values;
3. read it back until Graph shows every value sent, within the settle budget (Graph
   replicates); a PATCH with no definite answer is settled by that read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pim_gitops.apply.result import Status
from pim_gitops.apply.settle import SettleWait
from pim_gitops.errors import GraphError
from pim_gitops.graph.alert_reader import configuration_url
from pim_gitops.graph.batch import BatchItem
from pim_gitops.graph.beta import BETA
from pim_gitops.graph.transport import GraphTransport, UncertainWriteError
from pim_gitops.plan.alert_build import alert_fingerprint
from pim_gitops.plan.alert_model import AlertWrite
from pim_gitops.state import TenantState
from pim_gitops.wire import DurationError, parse_duration


@dataclass(frozen=True)
class AlertResult:
    write: AlertWrite
    status: Status
    message: str = ""
    code: str | None = None
    request_id: str | None = None

    @property
    def line(self) -> str:
        tail = f": {self.message}" if self.message else ""
        return f"{self.write.label}: {self.status}{tail}"


def _same(got: Any, sent: Any) -> bool:
    """A value as Graph answers it shows the value sent (durations compared as durations:
    Graph may spell ``P1D`` as ``PT24H``)."""
    if isinstance(got, str) and isinstance(sent, str) and got != sent:
        try:
            return parse_duration(got) == parse_duration(sent)
        except DurationError:
            return False
    return bool(got == sent) and type(got) is type(sent)


def in_effect(write: AlertWrite, current: Mapping[str, Any] | None) -> bool:
    """Graph shows every property sent, as sent (``@odata.type`` aside: a read may omit it)."""
    if current is None:
        return False
    sent = {k: v for k, v in write.body.items() if not k.startswith("@odata.")}
    return all(k in current and _same(current[k], v) for k, v in sent.items())


def alerts_in_effect(writes: Sequence[AlertWrite], tenant: TenantState) -> bool:
    """Does the tenant as read show every alert write (a plan file applied before)?"""
    configs = tenant.alerts.configs if tenant.alerts is not None else {}
    found = {c.id: c.raw for c in configs.values()}
    return all(in_effect(w, found.get(w.configuration_id)) for w in writes)


async def read_configuration(transport: GraphTransport, write: AlertWrite) -> dict[str, Any] | None:
    """The configuration now; ``None`` when Graph no longer has it."""
    try:
        found = await transport.get_json(
            configuration_url(transport, write.configuration_id), target="PIM alert setting"
        )
    except GraphError as exc:
        if exc.status == 404:
            return None
        raise
    return dict(found)


def stale_reason(write: AlertWrite, current: Mapping[str, Any] | None) -> str | None:
    if current is None:
        return "the alert configuration no longer exists; make a new plan"
    if alert_fingerprint(current) != write.fingerprint:
        return "the alert configuration changed since the plan was made; make a new plan"
    return None


async def read_back(transport: GraphTransport, write: AlertWrite, wait: SettleWait) -> bool:
    attempt = 0
    while True:
        if in_effect(write, await read_configuration(transport, write)):
            return True
        if not await wait.wait(attempt):
            return False
        attempt += 1


def _failed(write: AlertWrite, exc: GraphError) -> AlertResult:
    return AlertResult(write, "failed", str(exc), exc.code, exc.request_id)


async def apply_alert(
    transport: GraphTransport, write: AlertWrite, wait: SettleWait
) -> AlertResult:
    try:
        current = await read_configuration(transport, write)
    except GraphError as exc:
        return _failed(write, exc)
    if in_effect(write, current):
        return AlertResult(write, "succeeded", "already in effect; nothing sent")
    if (stale := stale_reason(write, current)) is not None:
        return AlertResult(write, "skipped", stale)
    note = ""
    try:
        url = configuration_url(transport, write.configuration_id)
        await transport.send("PATCH", url, body=write.body, target="PIM alert setting")
    except UncertainWriteError as exc:
        note = f"Graph gave no definite answer ({exc}); settled by reading back"
    except GraphError as exc:
        return _failed(write, exc)
    try:
        shown = await read_back(transport, write, wait)
    except GraphError as exc:
        return _failed(write, exc)
    if not shown:
        return AlertResult(
            write, "failed", f"not in effect after read-back: {note or wait.describe()}"
        )
    return AlertResult(write, "succeeded", note)


async def apply_alerts(
    transport: GraphTransport, writes: Sequence[AlertWrite], wait: SettleWait
) -> list[AlertResult]:
    """Every alert write, in the plan's order (by alert name)."""
    return [await apply_alert(transport, write, wait) for write in writes]


def alert_items(writes: Sequence[AlertWrite], first: int = 0) -> list[BatchItem]:
    """``apply --dry-run``: the alert PATCHes, in order, keyed from ``first``; their URLs
    carry the ``/beta`` prefix (every other dry-run URL is relative to ``/v1.0``)."""
    return [
        BatchItem(str(first + i), "PATCH", f"{BETA}{w.path}", w.body, "PIM alert setting")
        for i, w in enumerate(writes)
    ]
