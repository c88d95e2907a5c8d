"""AU-scoped assignments through the emulator: the plan's requests for a declared
administrative-unit eligibility (create) and for an undeclared one at a managed unit
(remove) are the ones Graph takes, and the tenant they leave plans nothing more at that unit.

The tenant is read as normalize reads it once it reads administrative units
(``tests.test_scopes.split``); the requests go out as apply sends them (``schedule_body``)."""

from __future__ import annotations

import shutil
from pathlib import Path

from pim_gitops.apply.requests import schedule_body, schedules_path
from pim_gitops.normalize import normalize_tenant
from pim_gitops.plan import ScheduleRequest
from pim_gitops.tenantgen import SAMPLE_NOW, oid
from pim_gitops.workflow import load_desired, plan_against
from tests.conftest import POLICIES, Live
from tests.test_scopes import PARIS, split

UA_FILE = "roles/user-administrator.yaml"
ALICE = oid("user", "alice.admin@contoso.com")
KIRA = oid("user", "kira.fischer@contoso.com")


def _repo(tmp_path: Path) -> Path:
    """The demo repository, its User Administrator file managing Paris and declaring Alice
    there (Kira's Paris eligibility, which the tenant holds, is left undeclared)."""
    repo = tmp_path / "repo"
    shutil.copytree(POLICIES, repo)
    path = repo / UA_FILE
    text = path.read_text().replace(
        "template: privileged\n",
        "template: privileged\nmanaged_scopes: [/, administrative_unit:Paris]\n",
    )
    path.write_text(
        text
        + "    - principal: user:alice.admin@contoso.com\n"
        + "      expires: 2027-01-31T00:00:00Z\n"
        + "      justification: Paris office accounts\n"
        + "      scope: administrative_unit:Paris\n"
    )
    return repo


def _paris_ops(live: Live, repo: Path) -> list[ScheduleRequest]:
    state = split(normalize_tenant(live.snapshot(), SAMPLE_NOW))
    plan = plan_against(load_desired(str(repo), SAMPLE_NOW), state, SAMPLE_NOW)
    ops = [op for op in plan.operations if isinstance(op, ScheduleRequest)]
    return [op for op in ops if op.scope == PARIS]


def _paris_holders(live: Live) -> list[str]:
    rows = live.snapshot()["roleEligibilitySchedules"]
    return sorted(r["principalId"] for r in rows if r["directoryScopeId"] == PARIS)


def test_au_scoped_requests_are_taken_and_leave_nothing_to_plan_there(
    live: Live, tmp_path: Path
) -> None:
    repo = _repo(tmp_path)
    assert _paris_holders(live) == [KIRA]
    ops = _paris_ops(live, repo)
    assert [(op.action.value, op.principal.id) for op in ops] == [
        ("create", ALICE),
        ("delete", KIRA),
    ]
    for op in ops:
        body = schedule_body(op, op.action, SAMPLE_NOW)
        assert body["directoryScopeId"] == PARIS
        response = live.http.post(f"{schedules_path(op.schedule)}ScheduleRequests", json=body)
        assert response.status_code == 201, response.text
    assert _paris_holders(live) == [ALICE]
    assert _paris_ops(live, repo) == []
