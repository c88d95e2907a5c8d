"""A plan: the diff as ordered Graph operations, with fingerprints of the live objects each
was computed from, so ``apply`` can refuse a stale plan.

Order (DESIGN.md, safety rules): relax policies → create/update assignments → remove
assignments → tighten policies. Within a policy, a control being switched off goes before one
being switched on (MFA and an authentication context cannot both be on).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from pim_gitops import __version__
from pim_gitops.compile import DesiredState
from pim_gitops.diff import Change, Diff, diff
from pim_gitops.errors import PlanError, PlanFormatError
from pim_gitops.state import RoleSettings, TenantState, named_flags
from pim_gitops.wire import format_duration, format_instant

FORMAT_VERSION = 1
PHASES = {
    1: "switch off policy controls",
    2: "relax and update policies",
    3: "create and update assignments",
    4: "remove assignments",
    5: "tighten policies",
}
_EVENT_RULE = {
    "eligible_assigned": "Admin_Eligibility",
    "active_assigned": "Admin_Assignment",
    "activated": "EndUser_Assignment",
}


def rule_for(path: str) -> str:
    """The policy rule that holds a setting path."""
    head, _, rest = path.partition(".")
    if head == "activation":
        if rest == "max_duration":
            return "Expiration_EndUser_Assignment"
        if rest.startswith("require_"):
            return "Enablement_EndUser_Assignment"
        if rest == "authentication_context":
            return "AuthenticationContext_EndUser_Assignment"
        return "Approval_EndUser_Assignment"
    if head in ("eligible_assignment", "active_assignment"):
        level = "Eligibility" if head.startswith("eligible") else "Assignment"
        kind = "Expiration" if rest in ("allow_permanent", "max_duration") else "Enablement"
        return f"{kind}_Admin_{level}"
    event, who, _ = rest.split(".", 2)
    return f"Notification_{who.capitalize()}_{_EVENT_RULE[event]}"


def _enabled(mfa: bool, justification: bool, ticket: bool = False) -> list[str]:
    return named_flags(
        ("MultiFactorAuthentication", "Justification", "Ticketing"), mfa, justification, ticket
    )


def rule_values(rule_id: str, settings: RoleSettings) -> dict[str, Any]:
    """The Graph properties of one rule that policy files manage, from desired settings."""
    act = settings.activation
    if rule_id == "Expiration_EndUser_Assignment":
        return {"isExpirationRequired": True, "maximumDuration": format_duration(act.max_duration)}
    if rule_id == "Enablement_EndUser_Assignment":
        return {
            "enabledRules": _enabled(act.require_mfa, act.require_justification, act.require_ticket)
        }
    if rule_id == "AuthenticationContext_EndUser_Assignment":
        return {
            "isEnabled": act.authentication_context is not None,
            "claimValue": act.authentication_context or "",
        }
    if rule_id == "Approval_EndUser_Assignment":
        return {
            "isApprovalRequired": act.approval_required,
            "primaryApprovers": list(act.approvers),
        }
    kind, _, rest = rule_id.partition("_")
    if kind in ("Expiration", "Enablement"):
        rules = (
            settings.eligible_assignment
            if rest.endswith("Eligibility")
            else settings.active_assignment
        )
        if kind == "Expiration":
            values: dict[str, Any] = {"isExpirationRequired": not rules.allow_permanent}
            if rules.max_duration is not None:
                values["maximumDuration"] = format_duration(rules.max_duration)
            return values
        return {"enabledRules": _enabled(rules.require_mfa, rules.require_justification)}
    who, caller, level = rest.split("_")
    event = next(e for e, r in _EVENT_RULE.items() if r == f"{caller}_{level}")
    note = dict(settings.notifications)[f"{event}.{who.lower()}"]
    return {
        "notificationLevel": note.level,
        "isDefaultRecipientsEnabled": note.default_recipients,
        "notificationRecipients": list(note.recipients),
    }


def fingerprint(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:32]


def assignment_fingerprint(end: datetime | None, start: datetime | None, sid: str | None) -> str:
    return fingerprint(
        {"id": sid, "end": end and format_instant(end), "start": start and format_instant(start)}
    )


ABSENT = "absent"


@dataclass(frozen=True)
class Operation:
    """One Graph write."""

    phase: int
    op: str  # "patch_rule" | "schedule"
    role_id: str
    role_name: str
    addresses: tuple[str, ...]
    fingerprint: str
    rule_id: str | None = None
    values: Mapping[str, Any] | None = None
    action: str | None = None  # adminAssign | adminUpdate | adminRemove
    schedule_kind: str | None = None  # eligible | active
    principal_id: str | None = None
    principal_ref: str | None = None
    scope: str = "/"
    end: str | None = None
    start: str | None = None
    justification: str | None = None
    ticket_number: str | None = None
    ticket_system: str | None = None

    @property
    def key(self) -> tuple[str, str, str, str]:
        """The assignment a schedule operation is about, as ``Assignment.key``."""
        return (self.role_id, self.principal_id or "", self.scope, self.schedule_kind or "")

    @property
    def label(self) -> str:
        if self.op == "patch_rule":
            return f"{self.role_name}: update rule {self.rule_id}"
        return f"{self.role_name}: {self.action} {self.schedule_kind} {self.principal_ref}"


@dataclass
class Plan:
    tenant_id: str
    desired_hash: str
    generated_at: str
    changes: list[dict[str, Any]]
    operations: list[Operation]
    warnings: list[str]
    unmanaged_roles: list[str]
    unmanaged_scoped: list[dict[str, Any]]
    tool_version: str = __version__
    format_version: int = FORMAT_VERSION
    summary: dict[str, int] = field(default_factory=dict)
    #: What apply's guards need: declared tenant, break-glass and apply-identity object ids.
    guards: dict[str, Any] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.operations


def _change_json(change: Change) -> dict[str, Any]:
    out: dict[str, Any] = {
        "address": change.address,
        "action": change.action,
        "kind": change.kind,
        "role": {"id": change.role_id, "name": change.role_name},
        "before": change.before,
        "after": change.after,
    }
    if change.principal_id:
        out["principal"] = {"id": change.principal_id, "ref": change.principal_ref}
    return out


def _phase_for_rule(rule_id: str, live: Mapping[str, Any], values: Mapping[str, Any]) -> int:
    if rule_id.startswith(("Expiration_Admin", "Enablement_Admin")):
        if rule_id.startswith("Expiration"):
            was_required = bool(live.get("isExpirationRequired"))
            now_required = bool(values.get("isExpirationRequired"))
            if was_required and not now_required:
                return 2
            if now_required and not was_required:
                return 5
            from pim_gitops.wire import parse_duration

            before = parse_duration(str(live.get("maximumDuration") or "PT0S"))
            after = parse_duration(str(values.get("maximumDuration") or "PT0S"))
            return 2 if after >= before else 5
        before_set = set(live.get("enabledRules") or [])
        after_set = set(values.get("enabledRules") or [])
        return 2 if after_set <= before_set else 5
    if rule_id == "Enablement_EndUser_Assignment":
        turning_off = "MultiFactorAuthentication" in (
            live.get("enabledRules") or []
        ) and "MultiFactorAuthentication" not in values.get("enabledRules", [])
        return 1 if turning_off else 2
    if rule_id == "AuthenticationContext_EndUser_Assignment":
        return 1 if live.get("isEnabled") and not values.get("isEnabled") else 2
    return 2


def _justification(text: str | None, trace: str | None) -> str:
    base = (text or "Declared in the pim-gitops policy repository").strip()
    if trace:
        base = f"{base} [{trace}]"
    return base[:500]


def make_plan(
    desired: DesiredState,
    tenant: TenantState,
    now: datetime,
    *,
    desired_hash: str = "",
    trace: str | None = None,
) -> Plan:
    """Diff and order; raises ``PlanError`` when principals or roles do not resolve."""
    result: Diff = diff(desired, tenant, now)
    if result.errors:
        raise PlanError("the plan cannot be made:\n  " + "\n  ".join(result.errors))
    operations: list[Operation] = []
    by_rule: dict[tuple[str, str], list[Change]] = {}
    for change in result.changes:
        if change.kind == "setting":
            by_rule.setdefault((change.role_id, rule_for(change.path)), []).append(change)
    for (role_id, rule_id), changes in sorted(by_rule.items()):
        policy = tenant.policies[role_id]
        live_rule = policy.raw_rules.get(rule_id, {})
        values = rule_values(rule_id, result.desired_settings[role_id])
        operations.append(
            Operation(
                phase=_phase_for_rule(rule_id, live_rule, values),
                op="patch_rule",
                role_id=role_id,
                role_name=changes[0].role_name,
                addresses=tuple(c.address for c in changes),
                fingerprint=fingerprint(live_rule),
                rule_id=rule_id,
                values=values,
            )
        )
    for change in result.changes:
        if change.kind != "assignment":
            continue
        live = change.live
        target = change.desired or live
        assert target is not None
        declared = change.declared
        operations.append(
            Operation(
                phase=4 if change.action == "delete" else 3,
                op="schedule",
                role_id=change.role_id,
                role_name=change.role_name,
                addresses=(change.address,),
                fingerprint=ABSENT
                if live is None
                else assignment_fingerprint(live.end, live.start, live.schedule_id),
                action={"create": "adminAssign", "update": "adminUpdate", "delete": "adminRemove"}[
                    change.action
                ],
                schedule_kind=target.kind,
                principal_id=change.principal_id,
                principal_ref=change.principal_ref,
                scope=target.scope,
                end=None
                if change.desired is None or change.desired.end is None
                else format_instant(change.desired.end),
                start=None
                if change.desired is None or change.desired.start is None
                else format_instant(change.desired.start),
                justification=_justification(declared.justification if declared else None, trace),
                ticket_number=declared.ticket_number if declared else None,
                ticket_system=declared.ticket_system if declared else None,
            )
        )
    operations.sort(key=lambda o: (o.phase, o.role_name.casefold(), o.addresses))
    summary = {"add": 0, "change": 0, "remove": 0}
    for change in result.changes:
        summary[{"create": "add", "update": "change", "delete": "remove"}[change.action]] += 1
    return Plan(
        tenant_id=tenant.tenant_id,
        desired_hash=desired_hash,
        generated_at=format_instant(now),
        changes=[_change_json(c) for c in result.changes],
        operations=operations,
        warnings=list(result.warnings),
        unmanaged_roles=list(result.unmanaged_roles),
        unmanaged_scoped=[
            {"role_id": a.role_id, "principal_id": a.principal_id, "scope": a.scope, "kind": a.kind}
            for a in result.unmanaged_scoped
        ],
        summary=summary,
    )


# --- saved plans ----------------------------------------------------------------------------


def plan_to_json(plan: Plan) -> dict[str, Any]:
    data = asdict(plan)
    data["operations"] = [
        {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(op).items()}
        for op in plan.operations
    ]
    return {"format_version": data.pop("format_version"), **data}


def dump_plan(plan: Plan) -> str:
    return json.dumps(plan_to_json(plan), indent=2, sort_keys=True) + "\n"


def plan_from_json(data: Any, origin: str) -> Plan:
    if not isinstance(data, dict) or data.get("format_version") != FORMAT_VERSION:
        raise PlanFormatError(
            f"{origin}: not a pim-gitops plan (format_version {FORMAT_VERSION} expected)"
        )
    try:
        operations = [
            Operation(**{**op, "addresses": tuple(op["addresses"])}) for op in data["operations"]
        ]
        return Plan(
            tenant_id=data["tenant_id"],
            desired_hash=data["desired_hash"],
            generated_at=data["generated_at"],
            changes=list(data["changes"]),
            operations=operations,
            warnings=list(data["warnings"]),
            unmanaged_roles=list(data["unmanaged_roles"]),
            unmanaged_scoped=list(data["unmanaged_scoped"]),
            tool_version=data["tool_version"],
            summary=dict(data["summary"]),
            guards=dict(data.get("guards") or {}),
        )
    except (KeyError, TypeError) as exc:
        raise PlanFormatError(f"{origin}: malformed plan: {exc}") from None


def desired_hash(described: Mapping[str, Any]) -> str:
    return fingerprint(described)
