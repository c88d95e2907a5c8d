"""What a tenant read covers beyond the v1.0 PIM state every command needs: the Graph beta
APIs the tenant file allows (``graph_beta: [alerts, approvals]``) and the window of request
history to read (``report --since``, ``snapshot --since``). ``fetch_snapshot`` takes one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pim_gitops.compile.types import DesiredState


@dataclass(frozen=True)
class ExtraReads:
    #: ``alerts``: PIM alert configurations and open alerts; ``approvals``: the approval
    #: steps of the history's requests (both Graph beta only).
    beta: frozenset[str] = frozenset()
    #: Read the schedule requests created since then (``None``: no history).
    history_since: datetime | None = None
    #: The policy files name a PIM custom extension: list them (``extension_reader``).
    custom_extensions: bool = False

    @property
    def alerts(self) -> bool:
        return "alerts" in self.beta

    @property
    def approvals(self) -> bool:
        return "approvals" in self.beta


NO_EXTRAS = ExtraReads()


def extra_reads(desired: DesiredState | None, history_since: datetime | None = None) -> ExtraReads:
    """The extra reads a policy directory asks for (none without one)."""
    beta = desired.graph_beta if desired is not None else frozenset()
    return ExtraReads(
        beta=frozenset(beta),
        history_since=history_since,
        custom_extensions=desired is not None and names_extension(desired),
    )


def names_extension(desired: DesiredState) -> bool:
    """Whether a role or group section of the policy files names a custom extension."""
    sections = (*desired.roles, *(s for g in desired.groups for s in g.sections.values()))
    return any(
        s.settings.activation.pre_approval_extension
        or s.settings.activation.post_approval_extension
        for s in sections
    )
