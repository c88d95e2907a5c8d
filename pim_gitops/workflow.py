"""The steps the commands share: compile the policy, read the live tenant, plan, apply.
I/O lives here and in ``graph/``; the logic it calls is pure. Git and CI environment
helpers live in ``gitinfo``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pim_gitops.compile import DesiredState, all_principals, compile_policies
from pim_gitops.gitinfo import git_trace
from pim_gitops.graph.transport import GraphTransport
from pim_gitops.loader import load_policies
from pim_gitops.normalize import normalize_tenant
from pim_gitops.plan import Plan, build_plan, desired_hash
from pim_gitops.render.desired import describe_desired
from pim_gitops.resolve import Resolver
from pim_gitops.state import TenantState

if TYPE_CHECKING:
    pass


@dataclass(frozen=True)
class Desired:
    state: DesiredState
    hash: str


def load_desired(directory: str, now: datetime) -> Desired:
    state = compile_policies(load_policies(directory), now)
    return Desired(state, desired_hash(describe_desired(state)))


def unresolved(desired: DesiredState, tenant: TenantState) -> list[str]:
    resolver = Resolver(tenant)
    refs = set(all_principals(desired))
    return sorted(r for r in refs if isinstance(resolver.principal(r), str))


async def read_tenant(
    transport: GraphTransport, desired: DesiredState, now: datetime
) -> tuple[dict[str, Any], TenantState]:
    """Read the live tenant; look up the principals the policy names that hold no role yet."""
    from pim_gitops.graph.reader import fetch_snapshot, lookup_references

    snapshot = await fetch_snapshot(transport, now=now)
    state = normalize_tenant(snapshot, now)
    missing = unresolved(desired, state)
    if missing:
        found = await lookup_references(transport, missing)
        known = {o["id"] for o in snapshot["directoryObjects"]}
        snapshot["directoryObjects"] += [o for o in found if o["id"] not in known]
        state = normalize_tenant(snapshot, now)
    return snapshot, state


async def read_and_plan(
    transport: GraphTransport, desired: Desired, now: datetime
) -> tuple[dict[str, Any], TenantState, Plan]:
    """One live read (with lookups) and the plan made from it."""
    snapshot, state = await read_tenant(transport, desired.state, now)
    return snapshot, state, plan_against(desired, state, now, git_trace())


def plan_against(
    desired: Desired, tenant: TenantState, now: datetime, trace: str | None = None
) -> Plan:
    return build_plan(desired.state, tenant, now, desired_hash=desired.hash, trace=trace)
