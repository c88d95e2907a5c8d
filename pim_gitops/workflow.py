"""The steps the commands share: compile the policy, read the live tenant, plan, apply.
I/O lives here and in ``graph/``; the logic it calls is pure. Git and CI environment
helpers live in ``gitinfo``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pim_gitops.compile import DesiredState, all_principals, compile_policies
from pim_gitops.gitinfo import git_trace
from pim_gitops.graph.transport import GraphTransport
from pim_gitops.loader import load_policies
from pim_gitops.normalize import normalize_tenant
from pim_gitops.plan import Plan, build_plan, desired_hash
from pim_gitops.render.desired import describe_desired
from pim_gitops.resolve import Resolver
from pim_gitops.state import TenantState


@dataclass(frozen=True)
class Desired:
    state: DesiredState
    hash: str


def load_desired(directory: str, now: datetime) -> Desired:
    state = compile_policies(load_policies(directory), now)
    return Desired(state, desired_hash(hash_document(state, directory)))


def hash_document(state: DesiredState, directory: str) -> dict[str, Any]:
    """What a plan's ``desired_hash`` covers: the compiled policy with file paths relative to
    the policy directory (so two checkouts of one commit agree) and the guard inputs."""
    import os

    document = describe_desired(state)
    for role in [*document["roles"], *document.get("groups", ())]:
        role["file"] = os.path.relpath(role["file"], directory).replace(os.sep, "/")
    document["apply_identity"] = state.apply_identity
    return document


def unresolved(desired: DesiredState, tenant: TenantState) -> list[str]:
    resolver = Resolver(tenant)
    refs = set(all_principals(desired))
    return sorted(r for r in refs if isinstance(resolver.principal(r), str))


async def complete_snapshot(
    transport: GraphTransport,
    snapshot: dict[str, Any],
    desireds: Iterable[DesiredState],
    now: datetime,
) -> tuple[dict[str, Any], TenantState]:
    """The one resolver every live command uses: the snapshot with the principals that the
    policies (``desireds``: the head, and for ``plan --base`` the base too) name but that
    hold no role, looked up in batches (``reader.lookup_references``), and its state."""
    from pim_gitops.authcontext import complete_contexts
    from pim_gitops.graph.group_reader import complete_managed_groups
    from pim_gitops.graph.reader import lookup_references

    snapshot = await complete_contexts(transport, snapshot, desireds)
    snapshot = await complete_managed_groups(transport, snapshot, desireds, now)
    state = normalize_tenant(snapshot, now)
    missing = sorted({ref for d in desireds for ref in unresolved(d, state)})
    if not missing:
        return snapshot, state
    found = await lookup_references(transport, missing)
    known = {o["id"] for o in snapshot["directoryObjects"]}
    fresh = {o["id"]: o for o in found if o["id"] not in known}
    completed = {**snapshot, "directoryObjects": [*snapshot["directoryObjects"], *fresh.values()]}
    return completed, normalize_tenant(completed, now)


async def read_tenant(
    transport: GraphTransport,
    desired: DesiredState,
    now: datetime,
    *,
    also: Iterable[DesiredState] = (),
    history_since: datetime | None = None,
) -> tuple[dict[str, Any], TenantState]:
    """Read the live tenant (and the request history since ``history_since``); look up the
    principals the policy (and ``also``) name that hold no role yet."""
    from pim_gitops.graph.extras import extra_reads
    from pim_gitops.graph.reader import fetch_snapshot

    extras = extra_reads(desired, history_since)
    snapshot = await fetch_snapshot(transport, now=now, extras=extras)
    return await complete_snapshot(transport, snapshot, [desired, *also], now)


async def read_and_plan(
    transport: GraphTransport,
    desired: Desired,
    now: datetime,
    *,
    also: Iterable[DesiredState] = (),
) -> tuple[dict[str, Any], TenantState, Plan]:
    """One live read (with lookups, for ``desired`` and ``also``) and the plan made from it."""
    snapshot, state = await read_tenant(transport, desired.state, now, also=also)
    return snapshot, state, plan_against(desired, state, now, git_trace())


def plan_against(
    desired: Desired, tenant: TenantState, now: datetime, trace: str | None = None
) -> Plan:
    return build_plan(desired.state, tenant, now, desired_hash=desired.hash, trace=trace)


def read_live_state(
    graph_url: str | None,
    tenant_id: str | None,
    desired: DesiredState,
    now: datetime,
    history_since: datetime | None = None,
) -> tuple[TenantState, int]:
    """For ``lint --live`` and ``report --live``: the live tenant with the policy's
    principals looked up (as ``plan`` does), and the number of requests it took."""
    import asyncio

    from pim_gitops.graph.session import open_graph

    async def go() -> tuple[TenantState, int]:
        async with open_graph(graph_url, tenant_id) as transport:
            _, state = await read_tenant(transport, desired, now, history_since=history_since)
            return state, transport.requests

    return asyncio.run(go())
