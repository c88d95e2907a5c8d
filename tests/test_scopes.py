"""Administrative-unit scopes of directory-role assignments (scopes.py, diff_scopes.py):
resolving ``administrative_unit:<name or id>``, the roles Graph allows there, each scope its
own key and address, ``managed_scopes`` (default ``['/']``: a file written before it existed
never removes a scoped assignment), and export → plan = 0.

Each case is a tiny policy repo planned against a tiny tenant whose AU-scoped schedules are
moved, by hand, to ``TenantState.assignments`` (where normalize puts them once it reads the
tenant's administrative units) with the units themselves."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from pim_gitops.diff import Diff, diff
from pim_gitops.normalize import normalize_tenant
from pim_gitops.plan import ScheduleRequest
from pim_gitops.state import AdministrativeUnit, TenantState
from pim_gitops.tenantgen import TenantBuilder, oid
from pim_gitops.values import AU_PATH
from pim_gitops.wire import format_instant
from pim_gitops.workflow import load_desired, plan_against
from tests.conftest import write
from tests.test_plan import NOW, ROLE_ID, tiny_tenant, uid

UA = "User Administrator"
UA_ID = ROLE_ID[UA]
READER = "Global Reader"
PARIS_ID = oid("au", "Paris")
LYON_ID = oid("au", "Lyon")
PARIS = AU_PATH + PARIS_ID
LYON = AU_PATH + LYON_ID
UNITS = {
    PARIS_ID: AdministrativeUnit(PARIS_ID, "Paris"),
    LYON_ID: AdministrativeUnit(LYON_ID, "Lyon"),
}
ANN = "user:ann@contoso.com"
PARIS_KEY = f'"{ANN}"@"administrative_unit:Paris"'


def split(state: TenantState, units: dict[str, AdministrativeUnit] | None = None) -> TenantState:
    """The tenant as normalize reads it with administrative units: AU-scoped schedules among
    the assignments, app and object scopes left unmanaged."""
    au = tuple(a for a in state.unmanaged_scoped if a.scope.startswith(AU_PATH))
    return replace(
        state,
        assignments=tuple(sorted((*state.assignments, *au))),
        unmanaged_scoped=tuple(a for a in state.unmanaged_scoped if a not in au),
        administrative_units=UNITS if units is None else units,
    )


def tenant_of(
    builder: TenantBuilder, units: dict[str, AdministrativeUnit] | None = None
) -> TenantState:
    return split(normalize_tenant(builder.snapshot(), NOW), units)


def repo(root: Path, role_yaml: str, role: str = UA) -> Path:
    path = root / "repo"
    write(path / "pim.yaml", "tenant: contoso.onmicrosoft.com\n")
    write(path / "roles" / "r.yaml", f"role: {role}\n" + role_yaml)
    return path


def diff_of(root: Path, role_yaml: str, tenant: TenantState, role: str = UA) -> Diff:
    return diff(load_desired(str(repo(root, role_yaml, role)), NOW).state, tenant, NOW)


def changes(result: Diff) -> list[tuple[str, str]]:
    assert result.errors == ()
    return [(c.action, c.address) for c in result.changes if c.kind == "assignment"]


def eligible(*entries: str, managed: str = "") -> str:
    body = "".join(f"    - {{{e}}}\n" for e in entries)
    return (
        (f"managed_scopes: {managed}\n" if managed else "") + "assignments:\n  eligible:\n" + body
    )


def at_paris(days: int = 30, scope: str = "administrative_unit:Paris") -> str:
    return (
        f"principal: {ANN}, expires: {format_instant(NOW + timedelta(days=days))}, scope: {scope}"
    )


MANAGED = "['/', 'administrative_unit:Paris']"


# --- created, updated and removed like a tenant-wide one --------------------------------------


def test_a_declared_au_scoped_eligibility_is_created_at_the_unit(tmp_path: Path) -> None:
    plan = plan_against(
        load_desired(str(repo(tmp_path, eligible(at_paris(), managed=MANAGED))), NOW),
        tenant_of(tiny_tenant(UA)),
        NOW,
    )
    assert [c.address for c in plan.changes] == [f'role["{UA}"].eligible[{PARIS_KEY}]']
    (op,) = plan.operations
    assert isinstance(op, ScheduleRequest)
    assert (op.scope, op.principal.id, op.schedule) == (PARIS, uid("ann"), "eligible")


def test_a_declared_au_scoped_eligibility_is_updated_and_left_alone_when_equal(
    tmp_path: Path,
) -> None:
    builder = tiny_tenant(UA)
    builder.grant("eligible", UA_ID, uid("ann"), days_left=30, scope=PARIS)
    tenant = tenant_of(builder)
    assert (
        changes(diff_of(tmp_path / "same", eligible(at_paris(30), managed=MANAGED), tenant)) == []
    )
    longer = diff_of(tmp_path / "longer", eligible(at_paris(60), managed=MANAGED), tenant)
    assert changes(longer) == [("update", f'role["{UA}"].eligible[{PARIS_KEY}]')]
    (change,) = longer.changes
    assert change.live is not None and change.live.scope == PARIS


def test_an_undeclared_one_at_a_managed_unit_is_removed_in_authoritative_mode(
    tmp_path: Path,
) -> None:
    builder = tiny_tenant(UA)
    builder.grant("eligible", UA_ID, uid("ann"), days_left=30, scope=PARIS)
    builder.grant("eligible", UA_ID, uid("ben"), days_left=30, scope=LYON)
    result = diff_of(tmp_path, f"managed_scopes: {MANAGED}\n", tenant_of(builder))
    assert changes(result) == [("delete", f'role["{UA}"].eligible[{PARIS_KEY}]')]
    assert result.changes[0].live is not None and result.changes[0].live.scope == PARIS
    # Lyon is not managed by the file: listed, never touched.
    assert [(a.principal_id, a.scope) for a in result.unmanaged_scoped] == [(uid("ben"), LYON)]


def test_a_file_without_managed_scopes_never_removes_an_au_scoped_assignment(
    tmp_path: Path,
) -> None:
    """A role file written before ``managed_scopes``: authoritative, declaring nobody."""
    builder = tiny_tenant(UA)
    builder.grant("eligible", UA_ID, uid("ann"), days_left=30, scope=PARIS)
    builder.grant("eligible", UA_ID, uid("ben"), days_left=30)
    result = diff_of(tmp_path, "assignments_mode: authoritative\n", tenant_of(builder))
    assert changes(result) == [("delete", f'role["{UA}"].eligible["user:ben@contoso.com"]')]
    assert [(a.principal_id, a.scope) for a in result.unmanaged_scoped] == [(uid("ann"), PARIS)]


def test_managed_scopes_all_removes_at_every_unit_and_additive_removes_nowhere(
    tmp_path: Path,
) -> None:
    builder = tiny_tenant(UA)
    builder.grant("eligible", UA_ID, uid("ann"), days_left=30, scope=PARIS)
    builder.grant("active", UA_ID, uid("ben"), days_left=30, scope=LYON)
    tenant = tenant_of(builder)
    every = diff_of(tmp_path / "all", "managed_scopes: all\n", tenant)
    assert changes(every) == [
        ("delete", f'role["{UA}"].active["user:ben@contoso.com"@"administrative_unit:Lyon"]'),
        ("delete", f'role["{UA}"].eligible[{PARIS_KEY}]'),
    ]
    assert every.unmanaged_scoped == ()
    additive = diff_of(
        tmp_path / "add", "assignments_mode: additive\nmanaged_scopes: all\n", tenant
    )
    assert changes(additive) == [] and additive.unmanaged_scoped == ()


def test_the_tenant_and_a_unit_are_two_keys_of_one_principal(tmp_path: Path) -> None:
    builder = tiny_tenant(UA)
    builder.grant("eligible", UA_ID, uid("ann"), days_left=30)
    tenant = tenant_of(builder)
    # Declared at Paris only: the tenant-wide one is undeclared (removed), Paris is created.
    result = diff_of(tmp_path, eligible(at_paris(), managed=MANAGED), tenant)
    assert changes(result) == [
        ("create", f'role["{UA}"].eligible[{PARIS_KEY}]'),
        ("delete", f'role["{UA}"].eligible["{ANN}"]'),
    ]


def test_one_unit_by_name_and_by_id_is_declared_twice(tmp_path: Path) -> None:
    role = eligible(at_paris(), at_paris(scope=PARIS), managed=MANAGED)
    result = diff_of(tmp_path, role, tenant_of(tiny_tenant(UA)))
    (error,) = result.errors
    assert "declared twice as eligible" in error and f"at scope '{PARIS}'" in error


def test_an_undeclared_unit_given_by_id_in_managed_scopes_is_the_same_unit(tmp_path: Path) -> None:
    builder = tiny_tenant(UA)
    builder.grant("eligible", UA_ID, uid("ann"), days_left=30, scope=PARIS)
    result = diff_of(
        tmp_path,
        f"managed_scopes: [/, 'administrative_unit:{PARIS_ID.upper()}']\n",
        tenant_of(builder),
    )
    assert changes(result) == [("delete", f'role["{UA}"].eligible[{PARIS_KEY}]')]


# --- refused, at the file position ------------------------------------------------------------


def _errors(
    tmp_path: Path,
    role_yaml: str,
    role: str = UA,
    units: dict[str, AdministrativeUnit] | None = None,
) -> list[str]:
    tenant = tenant_of(tiny_tenant(UA, READER), units)
    return list(diff_of(tmp_path, role_yaml, tenant, role).errors)


def test_a_declaration_outside_the_managed_scopes_is_created_and_the_plan_says_what_it_means(
    tmp_path: Path,
) -> None:
    """A file that declared a scoped assignment before ``managed_scopes`` existed keeps
    planning: the assignment is created, and the plan notes that nothing at that scope is
    removed, not even it once its lines go."""
    path = tmp_path / "repo" / "roles" / "r.yaml"
    result = diff_of(tmp_path, eligible(at_paris()), tenant_of(tiny_tenant(UA)))
    assert changes(result) == [("create", f'role["{UA}"].eligible[{PARIS_KEY}]')]
    assert [w for w in result.warnings if "managed_scopes" in w] == [
        f"{path}:4:7: {UA}: scope 'administrative_unit:Paris' is not among this file's "
        "managed_scopes (['/']): the assignment is created and kept, but undeclared "
        "assignments there are never removed, nor this one once its lines are deleted; add "
        "it to `managed_scopes` to manage the scope"
    ]
    # Within the managed scopes there is no such note.
    managed = diff_of(tmp_path / "m", eligible(at_paris(), managed=MANAGED), result_tenant(UA))
    assert [w for w in managed.warnings if "managed_scopes" in w] == []


def test_deleting_a_declaration_at_an_unmanaged_unit_removes_nothing(tmp_path: Path) -> None:
    builder = tiny_tenant(UA)
    builder.grant("eligible", UA_ID, uid("ann"), days_left=30, scope=PARIS)
    result = diff_of(tmp_path, "assignments: {}\n", tenant_of(builder))
    assert changes(result) == []
    assert [(a.principal_id, a.scope) for a in result.unmanaged_scoped] == [(uid("ann"), PARIS)]


def result_tenant(role: str) -> TenantState:
    return tenant_of(tiny_tenant(role))


def test_a_role_graph_does_not_scope_to_a_unit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "repo" / "roles" / "r.yaml"
    found = _errors(tmp_path, eligible(at_paris(), managed=MANAGED), role=READER)
    source = "https://learn.microsoft.com/entra/identity/role-based-access-control/"
    problem = (
        f"{READER} cannot be assigned at an administrative unit's scope ({PARIS}): Graph allows "
        f"only the roles listed at {source}admin-units-assign-roles#roles-that-can-be-assigned-"
        "with-administrative-unit-scope, and custom roles"
    )
    # Once where managed_scopes names the unit, once at the declaration.
    assert found == [
        f"{path}:2:23: {READER}: managed_scopes: {problem}",
        f"{path}:5:7: {ANN}: {problem}",
    ]


def test_a_custom_role_may_be_scoped_to_a_unit(tmp_path: Path) -> None:
    builder = tiny_tenant(UA)
    custom = oid("role", "Paris helpdesk")
    builder.add_role(custom, "Paris helpdesk", builtin=False)
    result = diff_of(tmp_path, eligible(at_paris(), managed=MANAGED), tenant_of(builder), custom)
    assert changes(result) == [("create", f'role["Paris helpdesk"].eligible[{PARIS_KEY}]')]


@pytest.mark.parametrize(
    ("scope", "message"),
    [
        (
            "administrative_unit:Nantes",
            "scope 'administrative_unit:Nantes': no administrative unit is named 'Nantes'",
        ),
        (
            f"{AU_PATH}{oid('au', 'gone')}",
            f"scope '{AU_PATH}{oid('au', 'gone')}': administrative unit {oid('au', 'gone')} "
            "was not found",
        ),
    ],
    ids=["unknown-name", "unknown-id"],
)
def test_a_unit_the_tenant_does_not_have_is_refused(
    tmp_path: Path, scope: str, message: str
) -> None:
    path = tmp_path / "repo" / "roles" / "r.yaml"
    found = _errors(tmp_path, eligible(at_paris(scope=scope), managed="all"))
    assert found == [f"{path}:5:7: {UA}: {message}"]


def test_a_unit_name_two_units_share_is_ambiguous(tmp_path: Path) -> None:
    twin = oid("au", "Paris 2")
    units = {**UNITS, twin: AdministrativeUnit(twin, "PARIS")}
    (error,) = _errors(tmp_path, eligible(at_paris(), managed="all"), units=units)
    ids = ", ".join(sorted([PARIS_ID, twin]))
    assert error.endswith(
        f"scope 'administrative_unit:Paris' is ambiguous: 2 administrative units are named "
        f"'Paris' ({ids}); write the object id (/administrativeUnits/<id>)"
    )


def test_a_managed_scope_that_does_not_resolve_is_refused_at_its_entry(tmp_path: Path) -> None:
    path = tmp_path / "repo" / "roles" / "r.yaml"
    found = _errors(tmp_path, "managed_scopes:\n  - /\n  - administrative_unit:Nantes\n")
    assert found == [
        f"{path}:4:5: {UA}: managed_scopes: scope 'administrative_unit:Nantes': no "
        "administrative unit is named 'Nantes'"
    ]


def test_units_by_name_fail_closed_when_the_tenant_s_units_were_not_read(tmp_path: Path) -> None:
    tenant = replace(tenant_of(tiny_tenant(UA)), administrative_units=None)
    (error,) = diff_of(tmp_path, eligible(at_paris(), managed="all"), tenant).errors
    assert "cannot be resolved by name; write its object id" in error


# --- managed_scopes as written ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "at", "problem"),
    [
        ("[]", "2:17", "write at least one scope (['/'] is the default), or all"),
        ("everything", "2:17", "expected all or a list of scopes, got 'everything'"),
        ("[/, all]", "2:17", "all stands alone: write `managed_scopes: all` or a list of scopes"),
        ("[/, /x]", "2:21", "managed_scopes[1]: '/x' is not a scope"),
    ],
    ids=["empty", "a-word", "all-and-more", "a-bad-scope"],
)
def test_managed_scopes_is_all_or_a_list_of_scopes(
    tmp_path: Path, written: str, at: str, problem: str
) -> None:
    from pim_gitops.errors import PolicyErrors

    with pytest.raises(PolicyErrors) as caught:
        load_desired(str(repo(tmp_path, f"managed_scopes: {written}\n")), NOW)
    path = tmp_path / "repo" / "roles" / "r.yaml"
    assert str(caught.value).startswith(f"{path}:{at}: managed_scopes")
    assert problem in str(caught.value)


# --- export --------------------------------------------------------------------------------------


def test_export_writes_au_scoped_assignments_and_their_managed_scopes(tmp_path: Path) -> None:
    from pim_gitops.export import export_repo, write_export

    builder = tiny_tenant(UA)
    builder.grant("eligible", UA_ID, uid("ann"), days_left=30, scope=PARIS)
    builder.grant("eligible", UA_ID, uid("ann"), days_left=20)
    builder.grant("active", UA_ID, uid("ben"), days_left=30, scope=LYON)
    tenant = tenant_of(builder)
    files = export_repo(tenant, now=NOW)
    text = files["roles/user-administrator.yaml"]
    assert (
        "managed_scopes:\n  - /\n  - administrative_unit:Lyon\n  - administrative_unit:Paris\n"
        in text
    )
    assert text.count("scope: administrative_unit:") == 2
    write_export(files, tmp_path / "out", force=True)
    plan = plan_against(load_desired(str(tmp_path / "out"), NOW), tenant, NOW)
    assert plan.empty, [c.address for c in plan.changes]
    assert plan.unmanaged_scoped == ()


def test_export_names_a_unit_by_id_when_its_name_does_not_read_back(tmp_path: Path) -> None:
    from pim_gitops.export import export_repo, write_export

    twin = oid("au", "Paris 2")
    units = {**UNITS, twin: AdministrativeUnit(twin, "Paris")}
    builder = tiny_tenant(UA)
    builder.grant("eligible", UA_ID, uid("ann"), days_left=30, scope=PARIS)
    tenant = tenant_of(builder, units)
    files = export_repo(tenant, now=NOW)
    assert f"scope: {PARIS}\n" in files["roles/user-administrator.yaml"]
    write_export(files, tmp_path / "out", force=True)
    assert plan_against(load_desired(str(tmp_path / "out"), NOW), tenant, NOW).empty


# --- the list of roles Graph scopes to a unit -----------------------------------------------------


def test_the_roles_graph_assigns_at_a_unit_are_the_documented_twelve() -> None:
    from pim_gitops.roles import AU_SCOPABLE, BUILTIN_ROLES

    teams_devices = "3d762c5a-1b6c-493f-843e-55a3b42923d4"
    assert sorted(BUILTIN_ROLES.get(t, t) for t in AU_SCOPABLE if t != teams_devices) == [
        "Authentication Administrator",
        "Cloud Device Administrator",
        "Groups Administrator",
        "Helpdesk Administrator",
        "License Administrator",
        "Password Administrator",
        "Printer Administrator",
        "Privileged Authentication Administrator",
        "SharePoint Administrator",
        "Teams Administrator",
        "User Administrator",
    ]
    assert teams_devices in AU_SCOPABLE and len(AU_SCOPABLE) == 12
