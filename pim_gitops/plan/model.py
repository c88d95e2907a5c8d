"""The plan as typed, frozen models: what the diff found (``changes``) and the Graph writes
that make it so (``operations``), with fingerprints of the live objects each was computed
from. The saved plan file and ``plan --format json`` are these models dumped; the schema in
``schemas/plan.schema.json`` is generated from them."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field, PlainSerializer, model_validator

from pim_gitops.action import Action
from pim_gitops.errors import PimGitopsError
from pim_gitops.plan.alert_model import AlertPlanChange, AlertWrite
from pim_gitops.plan.frozen import Frozen
from pim_gitops.plan.review_model import ReviewPlanChange, ReviewRotation, ReviewWrite
from pim_gitops.policy_rules import Phase, rule_by_id, scope_of
from pim_gitops.rawjson import RawObject
from pim_gitops.scopes import address_scope
from pim_gitops.state import Kind, Leaf
from pim_gitops.targets import parse_group_target, title
from pim_gitops.wire import format_instant

#: Bumped on every breaking change of the plan file; other versions are refused.
FORMAT_VERSION = 3

Instant = Annotated[AwareDatetime, PlainSerializer(format_instant, return_type=str)]
Origin = Literal["pull-request", "drift"]


def fingerprint(value: Any) -> str:
    """A short, stable hash of a JSON value."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:32]


class RoleRef(Frozen):
    # A directory role, or a group's member or owner access: ``id`` the group target
    # (``targets.group_target``), ``name`` the group's display name.
    id: str
    name: str


class PrincipalRef(Frozen):
    id: str
    #: How a policy file names it (``user:alice@contoso.com``).
    ref: str


# --- changes: what differs, in policy words -------------------------------------------------


class SettingChange(Frozen):
    kind: Literal["setting"] = "setting"
    address: str = Field(description='e.g. role["Global Administrator"].activation.require')
    action: Action
    role: RoleRef
    #: The policy-file path (``activation.require``).
    path: str
    before: Any
    after: Any
    origin: Origin | None = None


class AssignmentChange(Frozen):
    kind: Literal["assignment"] = "assignment"
    address: str = Field(description='e.g. role["Global Administrator"].eligible["user:a@b.c"]')
    action: Action
    role: RoleRef
    principal: PrincipalRef
    schedule: Kind
    before: dict[str, str] | None
    after: dict[str, str] | None
    origin: Origin | None = None


PlanChange = Annotated[SettingChange | AssignmentChange, Field(discriminator="kind")]


# --- operations: the Graph writes -----------------------------------------------------------


class RulePatch(Frozen):
    """PATCH one rule of one policy, built at apply time from the live rule and ``want``."""

    op: Literal["patch_rule"] = "patch_rule"
    phase: Phase
    role: RoleRef
    policy_id: str
    rule_id: str
    #: The changes this write makes (their addresses and policy-file paths).
    addresses: tuple[str, ...]
    paths: tuple[str, ...]
    #: Every setting the rule carries, canonical, principals resolved to ids.
    want: dict[str, Leaf]
    #: The rule as read when the plan was made (explains a stale plan).
    live_rule: dict[str, Any]
    fingerprint: str

    @model_validator(mode="after")
    def _consistent_with_the_table(self) -> RulePatch:
        """A plan file is input: the rule must be one the table knows, ``want`` must carry
        exactly its paths with values it can write and read back unchanged."""
        try:
            spec = rule_by_id(scope_of(self.role.id), self.rule_id)
        except KeyError:
            raise ValueError(f"unknown policy rule {self.rule_id!r}") from None
        if set(self.want) != set(spec.paths):
            raise ValueError(f"want must carry exactly {sorted(spec.paths)}")
        if not self.paths or not set(self.paths) <= set(spec.paths):
            raise ValueError(f"paths must be a non-empty subset of {sorted(spec.paths)}")
        try:
            read = spec.read(RawObject(spec.write(self.live_rule, self.want), self.rule_id))
        except PimGitopsError as exc:
            raise ValueError(str(exc)) from None
        if read != self.want:
            raise ValueError(f"want holds values rule {self.rule_id} cannot carry: {self.want}")
        return self

    @property
    def label(self) -> str:
        return f"{title(self.role.id, self.role.name)}: update rule {self.rule_id}"


class LiveSchedule(Frozen):
    """The facts of a live schedule a schedule request was planned against."""

    id: str | None
    start: Instant | None
    end: Instant | None
    #: With no schedule: the direct role assignment (made outside PIM) or the request not yet
    #: provisioned; a removal deletes the one or cancels the other (``outside.py``).
    role_assignment_id: str | None = None
    request_id: str | None = None


class ScheduleRequest(Frozen):
    """POST one ``role{Eligibility,Assignment}ScheduleRequest``."""

    # For a group target (``role.id``): a privilegedAccessGroup{Eligibility,Assignment}
    # ScheduleRequest (``apply/requests.py``).

    op: Literal["schedule"] = "schedule"
    phase: Phase
    role: RoleRef
    action: Action
    schedule: Kind
    principal: PrincipalRef
    scope: str = "/"
    addresses: tuple[str, ...]
    start: Instant | None = None
    #: ``None`` for permanent. For a declared ``duration`` this is the end as of plan time;
    #: apply recomputes it from the moment it writes (``duration``).
    end: Instant | None = None
    #: Seconds, when the assignment is declared by ``duration:`` (counted from the write).
    duration: int | None = None
    justification: str
    ticket_number: str | None = None
    ticket_system: str | None = None
    #: ``None`` when there is no live schedule (a create).
    live: LiveSchedule | None
    fingerprint: str

    @model_validator(mode="after")
    def _phase_follows_the_action(self) -> ScheduleRequest:
        """Removals run after every create (a plan file cannot move them earlier)."""
        expected = Phase.REMOVE if self.action is Action.DELETE else Phase.ASSIGN
        if self.phase != expected:
            raise ValueError(f"a {self.action.value} runs in phase {int(expected)}")
        return self

    @property
    def key(self) -> tuple[str, str, str, str]:
        """The assignment this request is about, as ``Assignment.key``."""
        return (self.role.id, self.principal.id, self.scope, self.schedule)

    @property
    def label_verb(self) -> str:
        """What the write does: a removal of an assignment with no schedule is no
        ``adminRemove`` (``outside.py``): a DELETE of the role assignment, or a cancel."""
        live = self.live
        if self.action is Action.DELETE and live is not None and live.id is None:
            if live.role_assignment_id is not None:
                return "delete direct role assignment"
            return f"cancel {self.schedule}"
        return f"{self.action.graph_action} {self.schedule}"

    @property
    def label(self) -> str:
        """``Global Administrator: adminAssign eligible user:a@b.c``, with `` at <scope>``
        (as the address names it) for an assignment at an administrative unit."""
        head = f"{title(self.role.id, self.role.name)}: {self.label_verb} {self.principal.ref}"
        if self.scope == "/":
            return head
        named = next((s for s in map(address_scope, self.addresses) if s), self.scope)
        return f"{head} at {named}"


Operation = Annotated[RulePatch | ScheduleRequest, Field(discriminator="op")]


def schedule_fingerprint(live: LiveSchedule | None) -> str:
    return "absent" if live is None else fingerprint(live.model_dump(mode="json"))


def rule_fingerprint(rule: dict[str, Any] | None) -> str:
    return fingerprint(rule or {})


# --- the plan -------------------------------------------------------------------------------


class Summary(Frozen):
    add: int = 0
    change: int = 0
    remove: int = 0


class GuardFacts(Frozen):
    """What apply's guards need, resolved when the plan was built."""

    #: The tenant the policy declares (``tenant:`` in pim.yaml).
    tenant: str = ""
    #: Object ids of the declared break-glass accounts that resolved.
    break_glass: tuple[str, ...] = ()
    #: Object id of the apply identity, when declared and resolved.
    apply_identity: str | None = None


class Refusal(Frozen):
    """A guard apply would refuse the plan by: the guard (as ``--allow-`` flags and
    ``PIM_GITOPS_ALLOW`` name it, ``apply/overrides.py``), what it found, what would allow
    it, and, when the run allows it, by what (the flag or the environment variable)."""

    guard: str
    message: str
    #: The flag or variable that would let apply through (``allowed only with …``); empty
    #: when nothing can (a guard no override lifts).
    override: str = ""
    #: ``--allow-break-glass-change``, ``PIM_GITOPS_ALLOW``, ``--max-removals 20``…: the
    #: run allows it; ``None``: apply would refuse.
    allowed_by: str | None = None


class ScopedAssignment(Frozen):
    role_id: str
    principal_id: str
    scope: str
    kind: Kind


class Plan(Frozen):
    format_version: int = FORMAT_VERSION
    tool_version: str
    tenant_id: str
    desired_hash: str
    generated_at: Instant
    summary: Summary
    changes: tuple[PlanChange, ...]
    operations: tuple[Operation, ...]
    warnings: tuple[str, ...] = ()
    unmanaged_roles: tuple[str, ...] = ()
    unmanaged_scoped: tuple[ScopedAssignment, ...] = ()
    #: Request collections (in words) the read could not list: assignments scheduled to
    #: start later were not compared (``outside.py``).
    unlisted_requests: tuple[str, ...] = ()
    guards: GuardFacts = GuardFacts()
    #: What apply's guards (the run's limits and overrides) would refuse, found when the
    #: plan was made: shown as "apply will refuse: …", or "allowed by …" when the run allows
    #: it. Apply checks every guard again and never reads these.
    refusals: tuple[Refusal, ...] = ()
    #: Access reviews (``plan/review_model.py``): their changes, the definition writes
    #: (run after every PIM operation), the rotations' next periods, and the reviews of
    #: roles and groups no file declares (listed, never deleted).
    review_changes: tuple[ReviewPlanChange, ...] = ()
    review_writes: tuple[ReviewWrite, ...] = ()
    review_rotations: tuple[ReviewRotation, ...] = ()
    unmanaged_reviews: tuple[str, ...] = ()
    #: PIM alert settings (``plan/alert_model.py``; Graph beta): changes, one PATCH per
    #: alert (run after the reviews), and the tenant's alerts ``alerts:`` does not name.
    alert_changes: tuple[AlertPlanChange, ...] = ()
    alert_writes: tuple[AlertWrite, ...] = ()
    unmanaged_alerts: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.operations and not self.review_writes and not self.alert_writes

    @property
    def group_ids(self) -> tuple[str, ...]:
        """The groups (ids, lower case, sorted) whose PIM-for-Groups targets the plan writes:
        what apply's reads must cover (``graph.reader.fetch_snapshot``'s managed groups)."""
        found = (parse_group_target(op.role.id) for op in self.operations)
        return tuple(sorted({group[0] for group in found if group is not None}))

    @property
    def refused(self) -> tuple[Refusal, ...]:
        """The refusals the run does not allow: apply would refuse the plan."""
        return tuple(r for r in self.refusals if r.allowed_by is None)
