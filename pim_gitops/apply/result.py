"""What an apply did: one result per operation, and the JSON report (``apply --format json``,
schema generated from ``ApplyReport``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict

from pim_gitops.plan import Operation

Status = Literal["succeeded", "failed", "skipped"]


@dataclass(frozen=True)
class OpResult:
    operation: Operation
    status: Status
    message: str = ""
    code: str | None = None
    request_id: str | None = None


class OperationReport(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    operation: str
    addresses: tuple[str, ...]
    status: Status
    message: str
    code: str | None
    request_id: str | None


class ApplyReport(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    succeeded: int
    failed: int
    skipped: int
    #: Operations whose change the read-back does not show.
    remaining_changes: int
    results: tuple[OperationReport, ...]


@dataclass
class ApplyResult:
    results: list[OpResult] = field(default_factory=list)
    #: Operations not in effect after the read-back.
    remaining: list[Operation] = field(default_factory=list)

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def ok(self) -> bool:
        return self.count("failed") == 0 and not self.remaining

    def report(self) -> ApplyReport:
        return ApplyReport(
            succeeded=self.count("succeeded"),
            failed=self.count("failed"),
            skipped=self.count("skipped"),
            remaining_changes=len(self.remaining),
            results=tuple(
                OperationReport(
                    operation=r.operation.label,
                    addresses=r.operation.addresses,
                    status=r.status,
                    message=r.message,
                    code=r.code,
                    request_id=r.request_id,
                )
                for r in self.results
            ),
        )
