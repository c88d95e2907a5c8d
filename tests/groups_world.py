"""A small world for the PIM-for-Groups plan and apply tests, built by hand: one
role-assignable group ("Tier0 Admins") with its member and owner policies as Graph documents
them (sample ``groups__list-rolemanagementpolicyassignments-owner-expand-policy-rules``:
Entra's group defaults), users, live membership/ownership schedules, and a desired state
whose group file has a member and an owner section."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from pim_gitops.compile import CompiledRole, DeclaredAssignment, DesiredState, RoleRef
from pim_gitops.compile.types import CompiledGroup, CompiledReview
from pim_gitops.errors import Location
from pim_gitops.model import LintSettings
from pim_gitops.normalize import normalize_policy
from pim_gitops.state import Assignment, Kind, Principal, RolePolicy, RoleSettings, TenantState
from pim_gitops.targets import Access, group_target
from tests.conftest import load_sample

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=90)
GROUP_ID = "7e526275-97a8-4dc6-932a-4db521cccf96"
GROUP = "Tier0 Admins"
MEMBER = group_target(GROUP_ID, "member")
OWNER = group_target(GROUP_ID, "owner")
ALICE, BOB = "a1111111-1111-1111-1111-111111111111", "b2222222-2222-2222-2222-222222222222"
FILE = "policies/groups/tier0-admins.yaml"
SAMPLE = "groups__list-rolemanagementpolicyassignments-owner-expand-policy-rules.response.json"


def sample_policy() -> dict[str, Any]:
    """A group policy as Graph returns it with ``$expand=rules`` (Entra's group defaults)."""
    policy: dict[str, Any] = load_sample(SAMPLE)["value"][0]["policy"]
    return policy


def group_policy(access: Access) -> RolePolicy:
    raw = copy.deepcopy(sample_policy())
    raw["id"] = f"Group_{GROUP_ID}_{access}-policy"
    return normalize_policy(raw, group_target(GROUP_ID, access))


def principals() -> dict[str, Principal]:
    return {
        GROUP_ID: Principal(GROUP_ID, "group", GROUP, is_assignable_to_role=True),
        ALICE: Principal(ALICE, "user", "Alice", user_principal_name="alice@contoso.com"),
        BOB: Principal(BOB, "user", "Bob", user_principal_name="bob@contoso.com"),
    }


def live(target: str, principal: str, kind: Kind = "eligible", end: Any = LATER) -> Assignment:
    return Assignment(target, principal, "/", kind, end, NOW - timedelta(days=1), f"s-{principal}")


def tenant(*assignments: Assignment, read: bool = True) -> TenantState:
    return TenantState(
        tenant_id="tenant-1",
        roles={},
        policies={},
        assignments=(),
        principals=principals(),
        group_policies={MEMBER: group_policy("member"), OWNER: group_policy("owner")},
        group_assignments=assignments,
        pim_groups_read=frozenset({GROUP_ID}) if read else frozenset(),
    )


def declared(principal: str, kind: Kind = "eligible", end: Any = LATER) -> DeclaredAssignment:
    return DeclaredAssignment(
        kind=kind,
        principal=principal,
        scope="/",
        start=None,
        end=end,
        duration=None,
        permanent=end is None,
        justification=None,
        ticket_number=None,
        ticket_system=None,
        location=Location(FILE, 12, 9),
    )


def section(
    settings: RoleSettings,
    *assignments: DeclaredAssignment,
    mode: str = "authoritative",
    written: str = GROUP,
) -> CompiledRole:
    return CompiledRole(
        ref=RoleRef(written, None, written),
        file=FILE,
        location=Location(FILE, 1, 1),
        template_chain=(),
        settings=settings,
        assignments=assignments,
        assignments_mode=mode,
        waivers=(),
        approvers_reviewed=None,
    )


def with_activation(settings: RoleSettings, seconds: int) -> RoleSettings:
    return replace(settings, activation=replace(settings.activation, max_duration=seconds))


def desired(*groups: CompiledGroup, reviews: tuple[CompiledReview, ...] = ()) -> DesiredState:
    """A repository declaring ``groups`` (and ``reviews``) and nothing else."""
    return DesiredState(
        tenant="contoso.onmicrosoft.com",
        roles=(),
        break_glass=(),
        automation=(),
        apply_identity=None,
        lint=LintSettings(),
        waivers=(),
        tenant_file="policies/pim.yaml",
        groups=groups,
        reviews=reviews,
    )


def group_file(
    member: CompiledRole | None = None,
    owner: CompiledRole | None = None,
    *,
    written: str = GROUP,
    file: str = FILE,
) -> CompiledGroup:
    sections: dict[Access, CompiledRole] = {}
    if member is not None:
        sections["member"] = member
    if owner is not None:
        sections["owner"] = owner
    return CompiledGroup(written, file, Location(file, 1, 1), sections)


def as_live(state: TenantState) -> DesiredState:
    """A desired state that declares exactly what ``state`` holds: both sections at the
    live settings, the live assignments declared."""
    member = state.group_policies[MEMBER].settings
    owner = state.group_policies[OWNER].settings

    def of(target: str) -> tuple[DeclaredAssignment, ...]:
        refs = {p.id: p.reference for p in state.principals.values()}
        return tuple(
            declared(refs[a.principal_id], a.kind, a.end) for a in state.assignments_of(target)
        )

    return desired(group_file(section(member, *of(MEMBER)), section(owner, *of(OWNER))))
