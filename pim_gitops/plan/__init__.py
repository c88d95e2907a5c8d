"""A plan: the diff as ordered Graph operations, with fingerprints of the live objects each
was computed from, so ``apply`` can refuse a stale plan.

Order (DESIGN.md, safety rules; ``policy_rules.Phase``): switch controls off → relax policies
→ create/update assignments → remove assignments → tighten policies.
"""

from __future__ import annotations

from pim_gitops.plan.build import build_plan, guard_facts, live_schedule
from pim_gitops.plan.files import (
    desired_hash,
    dump_plan,
    load_plan,
    mark_origins,
    parse_plan,
    plan_document,
)
from pim_gitops.plan.model import (
    FORMAT_VERSION,
    AssignmentChange,
    GuardFacts,
    LiveSchedule,
    Operation,
    Plan,
    PlanChange,
    PrincipalRef,
    Refusal,
    RoleRef,
    RulePatch,
    ScheduleRequest,
    SettingChange,
    Summary,
    fingerprint,
    rule_fingerprint,
    schedule_fingerprint,
)

__all__ = [
    "FORMAT_VERSION",
    "AssignmentChange",
    "GuardFacts",
    "LiveSchedule",
    "Operation",
    "Plan",
    "PlanChange",
    "PrincipalRef",
    "Refusal",
    "RoleRef",
    "RulePatch",
    "ScheduleRequest",
    "SettingChange",
    "Summary",
    "build_plan",
    "desired_hash",
    "dump_plan",
    "fingerprint",
    "guard_facts",
    "live_schedule",
    "load_plan",
    "mark_origins",
    "parse_plan",
    "plan_document",
    "rule_fingerprint",
    "schedule_fingerprint",
]
