"""Approvals of the request history cost few requests: the first is read alone, the rest go in
beta ``$batch``es of 20; an application (which Graph refuses approvals) spends one request.
Over HTTP against the emulator, through the real msgraph pipeline."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import pytest

from pim_gitops.emulator.app import Emulator
from pim_gitops.emulator.identity import Caller
from pim_gitops.emulator.server import running
from pim_gitops.graph.history_reader import DELEGATED_ONLY, read_approvals
from pim_gitops.graph.session import open_graph
from pim_gitops.tenantgen import SAMPLE_NOW, TenantBuilder
from pim_gitops.tenantgen_audit import approval

AUDITOR = Caller.user(
    "00000000-0000-4000-8000-00000000a0d1", scopes=("RoleManagement.Read.Directory",)
)
REVIEWER = "00000000-0000-4000-8000-00000000b0b0"


def seeded(count: int) -> dict[str, Any]:
    tenant = TenantBuilder("00000000-0000-4000-8000-0000000000aa", SAMPLE_NOW).snapshot()
    approvals = [
        approval(f"ap-{i:03}", REVIEWER, "Bob", "Approve", SAMPLE_NOW) for i in range(count)
    ]
    return tenant | {"roleAssignmentApprovals": approvals}


def read(seed: dict[str, Any], ids: list[str], caller: Caller | None) -> tuple[Any, int]:
    emulator = Emulator(seed, clock=lambda: SAMPLE_NOW)
    if caller is not None:
        emulator.caller = caller

    async def go(url: str) -> tuple[Any, int]:
        async with open_graph(url, None) as transport:
            found = await read_approvals(transport, ids)
            return found, transport.requests

    with running(emulator) as url:
        return asyncio.run(go(url))


@pytest.mark.parametrize("count", [1, 2, 21, 22, 45])
def test_approvals_are_read_one_then_in_batches_of_20(count: int) -> None:
    ids = [f"ap-{i:03}" for i in range(count)] + ["ap-missing"]
    (approvals, gap), requests = read(seeded(count), ids, AUDITOR)
    assert gap is None
    assert sorted(a["id"] for a in approvals) == ids[:-1]  # the missing one: not found
    assert requests == 1 + math.ceil(count / 20)


def test_an_application_spends_one_request_and_records_why() -> None:
    ids = [f"ap-{i:03}" for i in range(30)]
    (approvals, gap), requests = read(seeded(30), ids, None)
    assert approvals == []
    assert gap is not None and gap.startswith("403") and gap.endswith(DELEGATED_ONLY)
    assert requests == 1
