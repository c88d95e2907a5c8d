"""The live reader lists the PIM custom extensions only when a policy calls one or the policy
files name one (one GET), and records a refused list (no licence, no permission) instead of
failing. Graph is ``bench.graph_fake.FakeGraph`` behind the real msgraph pipeline."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from bench.graph_fake import FakeGraph
from pim_gitops.graph.extension_reader import EXTENSIONS_PATH
from pim_gitops.graph.extras import NO_EXTRAS, ExtraReads
from pim_gitops.graph.reader import fetch_snapshot
from pim_gitops.graph.session import open_graph
from pim_gitops.normalize import normalize_tenant
from pim_gitops.roles import GLOBAL_ADMINISTRATOR
from pim_gitops.snapshot import check_snapshot, snapshot_schema
from pim_gitops.snapshot_extras import EXTENSION_READ_ERROR, EXTENSIONS
from pim_gitops.tenantgen import SAMPLE_NOW, TenantBuilder, oid
from tests.test_extensions import EXT_ID, EXTENSION, PRE, rule

LIST = f"GET {EXTENSIONS_PATH}"


def world(*rules: dict[str, Any]) -> FakeGraph:
    t = TenantBuilder(oid("tenant", "extensions"), SAMPLE_NOW)
    t.add_role(GLOBAL_ADMINISTRATOR, "Global Administrator")
    data = t.snapshot()
    for policy in data["roleManagementPolicies"]:
        policy["rules"] += list(rules)
    fake = FakeGraph(data)
    fake.overrides[EXTENSIONS_PATH] = (200, {"value": [EXTENSION]})
    return fake


def read(fake: FakeGraph, extras: ExtraReads = NO_EXTRAS) -> dict[str, Any]:
    async def go() -> dict[str, Any]:
        async with open_graph("http://127.0.0.1:9", http=httpx.MockTransport(fake)) as t:
            return await fetch_snapshot(t, now=SAMPLE_NOW, extras=extras)

    return asyncio.run(go())


def test_not_listed_when_nothing_calls_or_names_an_extension() -> None:
    fake = world(rule(PRE, ""))  # the rule as the portal adds it: disabled, no extension
    data = read(fake)
    assert LIST not in fake.by_path and EXTENSIONS not in data
    assert normalize_tenant(data, SAMPLE_NOW).custom_extensions is None


def test_listed_once_when_a_policy_calls_one() -> None:
    fake = world(rule(PRE, EXT_ID))
    data = read(fake)
    assert fake.by_path[LIST] == 1
    state = normalize_tenant(check_snapshot(data, "read"), SAMPLE_NOW)
    assert state.custom_extensions is not None and list(state.custom_extensions) == [EXT_ID]
    assert state.policies[GLOBAL_ADMINISTRATOR].settings.activation.pre_approval_extension == EXT_ID
    assert {EXTENSIONS, EXTENSION_READ_ERROR} <= set(snapshot_schema()["properties"])


def test_listed_when_the_policy_files_name_one() -> None:
    fake = world()
    data = read(fake, ExtraReads(custom_extensions=True))
    assert fake.by_path[LIST] == 1 and data[EXTENSIONS][0]["id"] == EXT_ID


@pytest.mark.parametrize("status", [400, 403, 404])
def test_a_refused_list_is_recorded_not_a_crash(status: int) -> None:
    fake = world(rule(PRE, EXT_ID))
    fake.overrides[EXTENSIONS_PATH] = (
        status,
        {"error": {"code": "Forbidden", "message": "Insufficient privileges."}},
    )
    data = read(fake)
    assert EXTENSIONS not in data
    assert data[EXTENSION_READ_ERROR] == (
        f"{status} Forbidden; listing PIM custom extensions needs "
        "PrivilegedAccess-CustomExt.Read.All"
    )
    state = normalize_tenant(data, SAMPLE_NOW)
    assert state.custom_extensions is None
    assert state.custom_extension_read_error == data[EXTENSION_READ_ERROR]
