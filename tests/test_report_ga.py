"""The report's "Who can become Global Administrator, and how" (issue 21): a tenant where
Global Administrator is held by a role-assignable group whose membership is eligible through
PIM for Groups lists those eligible members, each with how."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pim_gitops.lint.engine import run_lint
from pim_gitops.render.report import ReportInputs, build_report, render_markdown
from pim_gitops.render.report_doc import Table
from pim_gitops.render.report_ga import ga_reach_fact, ga_section
from pim_gitops.state import Assignment, TenantState
from pim_gitops.targets import group_target
from pim_gitops.tenantgen import oid
from pim_gitops.workflow import load_desired
from tests.lint.helpers import NOW, write_repo
from tests.lint.test_group_access import FACTS, tenant, uid

TIER0 = oid("group", "Tier0 Admins")


def eligible(name: str, access: str = "member") -> Assignment:
    target = group_target(TIER0, "member" if access == "member" else "owner")
    return Assignment(target, uid(name), "/", "eligible", None, NOW)


def state() -> TenantState:
    return tenant(eligible("alice"), eligible("bob"), eligible("carol", "owner"))


def test_the_eligible_members_can_become_global_administrator() -> None:
    section = ga_section(state())
    table = next(b for b in section.blocks if isinstance(b, Table))
    rows = {row[0].text: (row[1].text, row[2].text) for row in table.rows}
    assert set(rows) == {"user:alice@contoso.com", "user:bob@contoso.com", "user:carol@contoso.com"}
    assert rows["user:alice@contoso.com"] == (
        "no: activation needed",
        "eligible member of group:Tier0 Admins (PIM for Groups, permanent), which holds it "
        "active, permanent",
    )
    assert "eligible owner of group:Tier0 Admins" in rows["user:carol@contoso.com"][1]
    assert "group:Tier0 Admins" not in rows  # the group is shown by its members


def test_a_standing_member_needs_no_activation() -> None:
    found = ga_section(tenant(members=("dave",)))
    table = next(b for b in found.blocks if isinstance(b, Table))
    assert [(r[0].text, r[1].text) for r in table.rows] == [("user:dave@contoso.com", "yes")]


def test_unread_group_schedules_are_said_not_known() -> None:
    unread = ga_section(replace(state(), pim_groups_read=frozenset()))
    texts = [getattr(b, "text", "") for b in unread.blocks]
    assert any(
        "Not known: the eligible members and owners" in t and "Tier0 Admins" in t for t in texts
    )
    assert (
        "PIM for Groups not read for group:Tier0 Admins"
        in ga_reach_fact(replace(state(), pim_groups_read=frozenset()))[0]
    )


def test_the_report_has_the_section(tmp_path: Path) -> None:
    desired = load_desired(
        str(write_repo(tmp_path, {"pim.yaml": "tenant: contoso.onmicrosoft.com\n"})), NOW
    ).state
    live = state()
    lint = run_lint(desired, live, NOW)
    markdown = render_markdown(build_report(ReportInputs(desired, lint, live, None, NOW)))
    assert "Who can become Global Administrator, and how" in markdown
    part = markdown.split("Who can become Global Administrator, and how", 2)[-1]
    assert "user:alice@contoso.com" in part and "user:bob@contoso.com" in part
    assert "3 principals can become Global Administrator" in markdown
    assert FACTS["groups"] == {"Tier0 Admins": []}
