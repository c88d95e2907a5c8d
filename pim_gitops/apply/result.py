"""What an apply did: one result per operation, and the JSON report (``apply --format json``,
schema generated from ``ApplyReport``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

from pim_gitops.plan import Operation
from pim_gitops.wording import plural

if TYPE_CHECKING:
    from pim_gitops.apply.alerts import AlertResult
    from pim_gitops.apply.reviews import ReviewResult
    from pim_gitops.plan.alert_model import AlertWrite
    from pim_gitops.plan.review_model import ReviewWrite

Status = Literal["succeeded", "failed", "skipped"]


@dataclass(frozen=True)
class OpResult:
    operation: Operation
    status: Status
    message: str = ""
    code: str | None = None
    request_id: str | None = None


@dataclass(frozen=True)
class NotInEffect:
    """An operation whose change the read-back does not show, and why."""

    operation: Operation
    why: tuple[str, ...]


class OperationReport(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    operation: str
    addresses: tuple[str, ...]
    status: Status
    message: str
    code: str | None
    request_id: str | None


class NotInEffectReport(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    operation: str
    addresses: tuple[str, ...]
    why: tuple[str, ...]


class ApplyReport(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    succeeded: int
    failed: int
    skipped: int
    #: Operations whose change the read-back does not show.
    remaining_changes: int
    results: tuple[OperationReport, ...]
    not_in_effect: tuple[NotInEffectReport, ...] = ()
    #: Guards the tenant as read back breaks (e.g. a concurrent apply): the run fails.
    access_lost: tuple[str, ...] = ()
    #: The access-review definition writes, in the plan's order.
    reviews: tuple[OperationReport, ...] = ()
    #: The PIM alert configuration writes (Graph beta), in the plan's order.
    alerts: tuple[OperationReport, ...] = ()


@dataclass
class ApplyResult:
    results: list[OpResult] = field(default_factory=list)
    #: Operations not in effect after the read-back.
    remaining: list[NotInEffect] = field(default_factory=list)
    #: What the summary should say besides the counts (e.g. how apply writes PIM).
    notes: list[str] = field(default_factory=list)
    #: Guards broken in the tenant as read back, against the read before the first write
    #: (a concurrent change in the window no re-read can close).
    access_lost: list[str] = field(default_factory=list)
    #: The access-review definition writes (``apply/reviews.py``: ``ReviewResult``).
    reviews: list[ReviewResult] = field(default_factory=list)
    #: The PIM alert configuration writes (``apply/alerts.py``: ``AlertResult``).
    alerts: list[AlertResult] = field(default_factory=list)

    def summary_line(self) -> str:
        """The closing line, counting what it counts: writes (one rule or one assignment
        request each), not the plan's changes (one per setting or assignment)."""
        if not self.results and not self.remaining and not self.reviews and not self.alerts:
            return "Apply: nothing written."
        ok, failed, skipped = (self.count(s) for s in ("succeeded", "failed", "skipped"))
        return (
            (
                f"Apply: {plural(len(self.results), 'write')} (one per policy rule or assignment): "
                f"{ok} succeeded, {failed} failed, {skipped} skipped; "
                f"{plural(len(self.remaining), 'change')} not in effect after read-back."
            )
            + (f" Access reviews: {self.review_counts()}." if self.reviews else "")
            + (f" PIM alerts: {self.review_counts(self.alerts)}." if self.alerts else "")
        )

    def review_counts(self, rows: list[ReviewResult] | list[AlertResult] | None = None) -> str:
        found = self.reviews if rows is None else rows
        counts = {s: sum(1 for r in found if r.status == s) for s in ("succeeded", "failed")}
        skipped = len(found) - sum(counts.values())
        return f"{counts['succeeded']} succeeded, {counts['failed']} failed, {skipped} skipped"

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def ok(self) -> bool:
        statuses = [r.status for r in self.reviews] + [r.status for r in self.alerts]
        reviews_ok = all(s == "succeeded" for s in statuses)
        return (
            self.count("failed") == 0 and not self.remaining and not self.access_lost and reviews_ok
        )

    def report(self) -> ApplyReport:
        return ApplyReport(
            succeeded=self.count("succeeded"),
            failed=self.count("failed"),
            skipped=self.count("skipped"),
            remaining_changes=len(self.remaining),
            results=tuple(_report(r.operation, r) for r in self.results),
            access_lost=tuple(self.access_lost),
            reviews=tuple(_report(r.write, r) for r in self.reviews),
            alerts=tuple(_report(r.write, r) for r in self.alerts),
            not_in_effect=tuple(
                NotInEffectReport(
                    operation=n.operation.label, addresses=n.operation.addresses, why=n.why
                )
                for n in self.remaining
            ),
        )


def _report(
    what: Operation | ReviewWrite | AlertWrite, r: OpResult | ReviewResult | AlertResult
) -> OperationReport:
    """One write's line of the apply report: an operation's or a review write's result."""
    return OperationReport(
        operation=what.label,
        addresses=what.addresses,
        status=r.status,
        message=r.message,
        code=r.code,
        request_id=r.request_id,
    )
