"""Execute a plan: guards (``guards``), request bodies (``requests``), the phase evaluator
(``evaluate``), settling of uncertain writes (``settle``), the stale-plan check (``stale``),
read-back (``verify``), and the whole sequence (``run``)."""

from __future__ import annotations

from pim_gitops.apply.evaluate import ApplyListener, SilentListener, execute, planned_requests
from pim_gitops.apply.guards import Guards, check_guards, guard_problems
from pim_gitops.apply.result import ApplyReport, ApplyResult, OpResult
from pim_gitops.apply.run import apply_plan, dry_run, read_live
from pim_gitops.apply.stale import check_stale
from pim_gitops.apply.verify import not_in_effect

__all__ = [
    "ApplyListener",
    "ApplyReport",
    "ApplyResult",
    "Guards",
    "OpResult",
    "SilentListener",
    "apply_plan",
    "check_guards",
    "check_stale",
    "dry_run",
    "execute",
    "guard_problems",
    "not_in_effect",
    "planned_requests",
    "read_live",
]
