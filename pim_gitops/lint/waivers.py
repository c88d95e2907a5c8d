"""Waivers: accepted exceptions, in the tenant file or a role file. A waiver marks the findings
it covers (they stay in the output, as waived); how each waiver was used is data for the
rules of the waivers phase (GEN004 expired, GEN005 unused)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from pim_gitops.compile import DesiredState
from pim_gitops.errors import Location
from pim_gitops.model import Waiver

if TYPE_CHECKING:
    from pim_gitops.lint.engine import Finding


@dataclass(frozen=True)
class BaselineWaiver:
    """A waiver of the baseline file (``lint.baseline``), where it is written."""

    waiver: Waiver
    where: Location


@dataclass(frozen=True)
class WaiverUse:
    waiver: Waiver
    #: The role the waiver covers (its file's role, or ``role:`` of a tenant-file waiver).
    role: str | None
    where: Location
    #: Expired before today (a waiver is still good on its ``expires`` date).
    expired: bool
    #: Whether it covered at least one finding (never, when expired).
    used: bool
    #: Whether its rule ran in every view it judges, so that "covered nothing" is known
    #: (a rule skipped for want of a tenant view, or not selected, tells nothing).
    judged: bool = True


#: The reason ``lint --baseline`` writes; a waiver that still has it is not yet an accepted
#: exception (nobody said why), so it covers warnings only: an error stays open (GEN006).
PLACEHOLDER = "TODO: say why this is accepted"


def names(waiver: Waiver, role: str | None, finding: Finding) -> bool:
    """The waiver (of ``role``'s file, or naming ``role``) is about this finding: its rule,
    role (one of the roles of a finding reported once for several), principal and text."""
    if finding.rule != waiver.rule:
        return False
    roles = {(r or "").casefold() for r in (finding.role, *finding.roles)}
    if role and role.casefold() not in roles:
        return False
    if waiver.finding is not None and waiver.finding != (finding.detail or finding.message):
        return False
    return not (
        waiver.principal and (finding.principal or "").casefold() != waiver.principal.casefold()
    )


def _waivers(
    desired: DesiredState, baseline: tuple[BaselineWaiver, ...]
) -> list[tuple[Waiver, str | None, Location]]:
    source = desired.tenant_source
    tenant = [
        source.value(("waivers", i)) if source else Location(desired.tenant_file, 1, 1)
        for i in range(len(desired.waivers))
    ]
    return (
        [(w, w.role, at) for w, at in zip(desired.waivers, tenant, strict=True)]
        + [(w, role.ref.label, role.location) for role in desired.roles for w in role.waivers]
        + [(b.waiver, b.waiver.role, b.where) for b in baseline]
    )


def apply_waivers(
    findings: list[Finding],
    desired: DesiredState,
    now: datetime,
    baseline: tuple[BaselineWaiver, ...] = (),
) -> tuple[list[Finding], tuple[WaiverUse, ...]]:
    """The findings with waived ones marked, and how each waiver was used (in file order;
    the baseline file's last)."""
    out = list(findings)
    uses: list[WaiverUse] = []
    for waiver, role, where in _waivers(desired, baseline):
        if waiver.expires < now.date():
            uses.append(WaiverUse(waiver, role, where, expired=True, used=False))
            continue
        used = False
        accepted = not waiver.reason.startswith(PLACEHOLDER)
        for index, finding in enumerate(out):
            if finding.waived is None and names(waiver, role, finding):
                used = True
                if accepted or finding.severity != "error":
                    out[index] = replace(finding, waived=waiver.reason)
        uses.append(WaiverUse(waiver, role, where, expired=False, used=used))
    return out, tuple(uses)
