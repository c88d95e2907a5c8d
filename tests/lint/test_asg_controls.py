"""The ASG rules to the letter of their controls, for what the fixture format cannot say: one
on-premises attribute without the other (SCuBA 7.3 reads onPremisesImmutableId, CIS 1.1.1
onPremisesSyncEnabled), a role assignment with no schedule at all (7.4 and 7.5), and
assignments timed against now."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from pim_gitops.lint.engine import Finding, View, run_lint
from pim_gitops.lint.examples import tenant_snapshot
from pim_gitops.normalize import normalize_tenant
from pim_gitops.wire import format_instant
from pim_gitops.workflow import load_desired
from tests.lint.helpers import NOW, write_repo

Patch = Callable[[dict[str, Any]], None]
MALLORY = {"users": {"mallory@contoso.com": {"synced": True}}}


def _lint(
    tmp_path: Path,
    files: Mapping[str, str],
    facts: Mapping[str, Any] | None,
    views: tuple[View, ...] = ("policy",),
    patch: Patch | None = None,
) -> list[Finding]:
    root = write_repo(tmp_path, {"pim.yaml": "tenant: contoso.onmicrosoft.com\n", **files})
    tenant = None
    if facts is not None:
        snapshot = tenant_snapshot(facts, NOW)
        if patch is not None:
            patch(snapshot)
        tenant = normalize_tenant(snapshot, NOW)
    return list(run_lint(load_desired(str(root), NOW).state, tenant, NOW, views=views).findings)


def _of(findings: list[Finding], code: str) -> list[tuple[str, tuple[str, ...]]]:
    return [(f.severity, f.controls) for f in findings if f.rule == code]


def _only(attribute: str) -> Patch:
    """Keep one on-premises attribute of the synced users, clear the other."""
    other = {"onPremisesImmutableId": "onPremisesSyncEnabled"}.get(attribute)
    other = other or "onPremisesImmutableId"

    def patch(snapshot: dict[str, Any]) -> None:
        for obj in snapshot["directoryObjects"]:
            if obj.get("userPrincipalName") == "mallory@contoso.com":
                obj[other] = None

    return patch


def _eligible(role: str, principal: str = "user:mallory@contoso.com", how: str = "") -> str:
    return (
        f"role: {role}\nassignments:\n  eligible:\n    - {{principal: '{principal}', "
        f"{how or 'duration: P30D, renew: true'}, justification: ops}}\n"
    )


@pytest.mark.parametrize(
    ("role", "attribute", "expected"),
    [
        ("Global Administrator", "onPremisesImmutableId", [("error", ("MS.AAD.7.3v1",))]),
        ("Global Administrator", "onPremisesSyncEnabled", [("error", ("CIS 1.1.1",))]),
        # Teams Administrator: administrative for CIS, not one of SCuBA's eight.
        ("Teams Administrator", "onPremisesSyncEnabled", [("error", ("CIS 1.1.1",))]),
        ("Teams Administrator", "onPremisesImmutableId", []),
        # Directory Readers: neither administrative nor privileged.
        ("Directory Readers", "onPremisesSyncEnabled", []),
    ],
)
def test_each_cloud_only_control_reads_its_own_attribute_and_roles(
    tmp_path: Path, role: str, attribute: str, expected: list[tuple[str, tuple[str, ...]]]
) -> None:
    files = {"roles/r.yaml": _eligible(role)}
    found = _lint(tmp_path, files, MALLORY, patch=_only(attribute))
    assert _of(found, "ASG004") == expected


def test_cloud_only_judges_each_member_of_a_holding_group(tmp_path: Path) -> None:
    facts = {
        "users": {"mallory@contoso.com": {"synced": True}, "carol@contoso.onmicrosoft.com": {}},
        "groups": {"Admins": ["mallory@contoso.com", "carol@contoso.onmicrosoft.com"]},
    }
    files = {"roles/ga.yaml": _eligible("Global Administrator", "group:Admins")}
    found = [f for f in _lint(tmp_path, files, facts) if f.rule == "ASG004"]
    assert [(f.principal, f.controls) for f in found] == [
        ("user:mallory@contoso.com", ("MS.AAD.7.3v1", "CIS 1.1.1"))
    ]


def _without_schedule(snapshot: dict[str, Any]) -> None:
    """The role assignment stays; no schedule covers it (a direct assignment Graph lists
    only under roleAssignments)."""
    snapshot["roleAssignmentSchedules"] = []


NO_SCHEDULE = {
    "users": {"bg1@contoso.onmicrosoft.com": {}, "carol@contoso.com": {}},
    "assignments": [
        {"role": "Global Administrator", "principal": p, "kind": "active", "outside_pim": True}
        for p in ("user:bg1@contoso.onmicrosoft.com", "user:carol@contoso.com")
    ],
}


def test_a_role_assignment_with_no_schedule_is_permanent_active_and_outside_pim(
    tmp_path: Path,
) -> None:
    pim = "tenant: contoso.onmicrosoft.com\nbreak_glass: [user:bg1@contoso.onmicrosoft.com]\n"
    found = _lint(tmp_path, {"pim.yaml": pim}, NO_SCHEDULE, ("posture",), _without_schedule)
    by_rule = {(f.rule, f.principal, f.controls) for f in found if f.rule in ("ASG001", "ASG005")}
    assert by_rule == {
        # 7.4 exempts the emergency account; 7.5 has no exception.
        ("ASG001", "user:carol@contoso.com", ("MS.AAD.7.4v1", "CIS 5.3.1")),
        ("ASG005", "user:carol@contoso.com", ("MS.AAD.7.5v1",)),
        ("ASG005", "user:bg1@contoso.onmicrosoft.com", ("MS.AAD.7.5v1",)),
    }


@pytest.mark.parametrize(("extra", "fails"), [(timedelta(0), False), (timedelta(minutes=1), True)])
def test_a_guest_assignment_starting_on_apply_is_timed_from_now(
    tmp_path: Path, extra: timedelta, fails: bool
) -> None:
    expires = format_instant(NOW + timedelta(days=30) + extra)
    guest = "user:ann_fabrikam.com#EXT#@contoso.onmicrosoft.com"
    files = {"roles/sec.yaml": _eligible("Security Administrator", guest, f"expires: {expires}")}
    assert bool(_of(_lint(tmp_path, files, None), "ASG011")) is fails


def test_members_and_groups_are_not_outsiders(tmp_path: Path) -> None:
    files = {"roles/sec.yaml": _eligible("Security Administrator", "user:carol@contoso.com")}
    facts: dict[str, Any] = {"users": {"carol@contoso.com": {}}}
    assert _of(_lint(tmp_path, files, facts), "ASG011") == []
    files = {
        "roles/sec.yaml": _eligible("Security Administrator", "group:Admins", "permanent: true")
    }
    assert _of(_lint(tmp_path, files, None), "ASG011") == []  # a group is no guest


@pytest.mark.parametrize("count", [1, 2, 9])
def test_count_messages_agree_in_number(tmp_path: Path, count: int) -> None:
    users = [f"user:u{i}@contoso.com" for i in range(count)]
    body = "role: Global Administrator\nassignments:\n  eligible:\n" + "".join(
        f"    - {{principal: {u}, duration: P30D, renew: true, justification: ops}}\n"
        for u in users
    )
    found = [
        f.message for f in _lint(tmp_path, {"roles/ga.yaml": body}, None) if f.rule == "ASG002"
    ]
    if count == 2:
        assert found == []
    else:
        verb = "user holds" if count == 1 else "users hold"
        assert found and found[0].startswith(f"{count} {verb} Global Administrator")
