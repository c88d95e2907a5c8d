"""Resolving group files at plan time: ``Resolver.group`` (display name or object id, must be
a group, one of that name) and ``managed_groups`` / ``managed_sections`` (two files of one
group, by name in one and id in the other, is an error naming both; unresolved is an error
at the file's ``group:``). And the desired hash covers group files."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pim_gitops.compile import DeclaredAssignment, compile_policies
from pim_gitops.loader import load_policies
from pim_gitops.resolve import Resolver
from pim_gitops.resolve_groups import managed_groups, managed_sections
from pim_gitops.state import Principal, TenantState
from pim_gitops.workflow import load_desired

from .conftest import NOW, write

TIER0 = "7e526275-97a8-4dc6-932a-4db521cccf96"
TWIN = "7e526275-97a8-4dc6-932a-4db521cccf97"
USER = "11111111-2222-4333-8444-555555555555"


def _tenant(*extra: Principal) -> TenantState:
    principals = [
        Principal(TIER0, "group", "Tier0 Admins", is_assignable_to_role=True),
        Principal(USER, "user", "Alice", user_principal_name="alice@contoso.com"),
        *extra,
    ]
    return TenantState("t", {}, {}, (), {p.id: p for p in principals})


def test_a_group_by_name_any_case_or_by_object_id() -> None:
    resolver = Resolver(_tenant())
    for written in ("Tier0 Admins", "tier0 admins", TIER0, TIER0.upper(), f" {TIER0} "):
        found = resolver.group(written)
        assert isinstance(found, Principal) and found.id == TIER0, written


def test_unknown_ambiguous_and_not_a_group_are_errors() -> None:
    resolver = Resolver(_tenant(Principal(TWIN, "group", "TIER0 ADMINS")))
    assert resolver.group("Nobody") == "group Nobody was not found in the tenant"
    ambiguous = resolver.group("Tier0 Admins")
    assert isinstance(ambiguous, str) and "ambiguous: 2 groups" in ambiguous
    assert TIER0 in ambiguous and TWIN in ambiguous and "write the object id" in ambiguous
    assert resolver.group(USER) == f"{USER} is a user, not a group"
    missing = "99999999-2222-4333-8444-555555555555"
    assert resolver.group(missing) == f"group {missing} was not found in the tenant"


def test_a_snapshot_that_never_looked_the_group_up_says_how_to_take_it() -> None:
    tenant = replace(_tenant(), looked_up=frozenset())
    message = Resolver(tenant).group("Ops")
    assert isinstance(message, str)
    assert message.startswith("group Ops was not found in the snapshot")
    assert "snapshot --policy DIR" in message


def _desired(tmp_path: Path, **groups: str):  # type: ignore[no-untyped-def]
    write(tmp_path / "pim.yaml", "tenant: t\n")
    for name, text in groups.items():
        write(tmp_path / "groups" / f"{name}.yaml", text)
    return compile_policies(load_policies(tmp_path), NOW)


def test_a_name_and_the_object_id_of_one_group_are_two_files_of_one_group(tmp_path: Path) -> None:
    desired = _desired(tmp_path, a="group: Tier0 Admins\nmember: {}\n", b=f"group: {TIER0}\n")
    found, errors = managed_groups(desired, Resolver(_tenant()))
    assert list(found.values()) == [Resolver(_tenant()).tenant.principals[TIER0]]
    assert errors == [
        f"{tmp_path}/groups/b.yaml:1:1: group {TIER0!r} is Tier0 Admins ({TIER0}), already "
        f"managed by {tmp_path}/groups/a.yaml:1:1 (as 'Tier0 Admins')"
    ]


def test_an_unresolved_group_is_an_error_at_its_file(tmp_path: Path) -> None:
    desired = _desired(tmp_path, a="group: Nobody\nmember: {}\n")
    sections, errors = managed_sections(desired, Resolver(_tenant()))
    assert sections == []
    assert errors == [f"{tmp_path}/groups/a.yaml:1:1: group Nobody was not found in the tenant"]


def test_each_section_gets_its_group_target(tmp_path: Path) -> None:
    desired = _desired(tmp_path, a="group: tier0 admins\nmember: {}\nowner: {}\n")
    sections, errors = managed_sections(desired, Resolver(_tenant()))
    assert errors == []
    assert [(s.target, s.access, s.name) for s in sections] == [
        (f"group:{TIER0}/member", "member", "Tier0 Admins"),
        (f"group:{TIER0}/owner", "owner", "Tier0 Admins"),
    ]
    assert sections[0].section is desired.groups[0].sections["member"]


def test_the_desired_hash_covers_group_files(tmp_path: Path) -> None:
    write(tmp_path / "pim.yaml", "tenant: t\n")
    before = load_desired(str(tmp_path), NOW).hash
    write(tmp_path / "groups" / "g.yaml", "group: G\nmember: {}\n")
    with_group = load_desired(str(tmp_path), NOW).hash
    write(tmp_path / "groups" / "g.yaml", "group: G\nmember: {activation: {max_duration: PT1H}}\n")
    changed = load_desired(str(tmp_path), NOW).hash
    assert len({before, with_group, changed}) == 3


SP = "33333333-2222-4333-8444-555555555555"


def test_a_grant_must_be_a_user_or_group_other_than_the_group_itself(tmp_path: Path) -> None:
    from pim_gitops.resolve_groups import grant_principal

    grants = "".join(
        f"      - principal: {ref}\n        expires: 2027-01-01\n"
        for ref in ("user:alice@contoso.com", SP, TIER0, USER, "user:bob@contoso.com")
    )
    text = f"group: Tier0 Admins\nmember:\n  assignments:\n    eligible:\n{grants}"
    desired = _desired(tmp_path, a=text)
    tenant = _tenant(Principal(SP, "servicePrincipal", "App", app_id=SP))
    resolver = Resolver(tenant)
    (managed,), _ = managed_sections(desired, resolver)
    declared: dict[tuple[str, str], DeclaredAssignment] = {}
    results = []
    for item in managed.section.assignments:
        found = grant_principal(item, managed, resolver, declared)
        if isinstance(found, Principal):
            declared[(found.id, item.kind)] = item
        results.append(found if isinstance(found, str) else found.id)
    where = f"{tmp_path}/groups/a.yaml"
    head = 'group["Tier0 Admins"].member'
    assert results == [
        USER,
        f"{where}:7:9: {head}: {SP} is a servicePrincipal; PIM for Groups grants membership "
        "and ownership to users and groups",
        f"{where}:9:9: {head}: {TIER0} is the group itself",
        f"{where}:11:9: {head}: {USER} and user:alice@contoso.com (at {where}:5:9) are the "
        f"same principal ({USER}), declared twice as eligible",
        f"{where}:13:9: {head}: principal user:bob@contoso.com was not found in the tenant",
    ]
