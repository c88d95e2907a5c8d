"""Group policy files (``groups/*.yaml``): the model, the loader, the layers of a section
(Entra's group defaults → ``defaults`` → ``group_defaults`` → template → section) with their
sources, and the errors at ``file:line:col``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from pim_gitops.compile import DesiredState, compile_policies
from pim_gitops.errors import PolicyErrors
from pim_gitops.group_defaults import ENTRA_GROUP_DEFAULT_SETTINGS
from pim_gitops.loader import load_policies
from pim_gitops.state import ENTRA_DEFAULT_SETTINGS

from .conftest import NOW, write

TENANT = """\
tenant: contoso.onmicrosoft.com
defaults:
  activation: {max_duration: PT4H}
  notifications:
    activated:
      admin: {recipients: [secops@contoso.com]}
group_defaults:
  activation: {require: [mfa, justification]}
templates:
  critical:
    activation: {max_duration: PT2H, approval: {approvers: [group:Tier0 Approvers]}}
"""

TIER0 = """\
group: Tier0 Admins
description: holds Global Administrator
member:
  template: critical
  activation:
    max_duration: PT1H
  assignments:
    eligible:
      - principal: user:alice@contoso.com
        expires: 2027-06-30
    active:
      - principal: group:Tier0 Approvers
        expires: 2027-01-31
owner:
  eligible_assignment: {allow_permanent: true}
"""


def _compile(
    tmp_path: Path, tenant: str = TENANT, now: datetime = NOW, **groups: str
) -> DesiredState:
    write(tmp_path / "pim.yaml", tenant)
    for name, text in groups.items():
        write(tmp_path / "groups" / f"{name}.yaml", text)
    return compile_policies(load_policies(tmp_path), now)


def _errors(tmp_path: Path, tenant: str = TENANT, **groups: str) -> list[str]:
    with pytest.raises(PolicyErrors) as info:
        _compile(tmp_path, tenant, **groups)
    return [str(e) for e in info.value.errors]


def test_entra_group_defaults_differ_from_a_roles() -> None:
    groups, roles = ENTRA_GROUP_DEFAULT_SETTINGS, ENTRA_DEFAULT_SETTINGS
    assert groups.activation.max_duration == 8 * 3600
    assert (groups.activation.require_mfa, groups.activation.require_justification) == (False, True)
    assert roles.activation.require_mfa is True
    assert groups.eligible_assignment.allow_permanent is False
    assert groups.eligible_assignment.max_duration == 365 * 86400
    assert groups.active_assignment.allow_permanent is False
    assert groups.active_assignment.max_duration == 180 * 86400
    assert groups.active_assignment.require_justification is True
    assert groups.notifications == roles.notifications


def test_a_bare_section_takes_entras_group_defaults_not_the_roles(tmp_path: Path) -> None:
    desired = _compile(tmp_path, "tenant: contoso.onmicrosoft.com\n", g="group: G\nmember: {}\n")
    (group,) = desired.groups
    assert list(group.sections) == ["member"]
    member = group.sections["member"]
    assert member.settings == ENTRA_GROUP_DEFAULT_SETTINGS
    assert member.sources["eligible_assignment.allow_permanent"].layer == "Entra default for groups"
    assert member.assignments == () and member.assignments_mode == "authoritative"


def test_layers_defaults_group_defaults_template_section(tmp_path: Path) -> None:
    desired = _compile(tmp_path, g=TIER0)
    member = desired.groups[0].sections["member"]
    act = member.settings.activation
    assert act.max_duration == 3600  # the section over the template's PT2H and defaults' PT4H
    assert (act.require_mfa, act.require_justification) == (True, True)  # group_defaults
    assert act.approval_required and act.approvers == ("group:Tier0 Approvers",)  # template
    assert member.settings.notification("activated", "admin").recipients == ("secops@contoso.com",)
    sources = member.sources
    assert str(sources["activation.max_duration"]) == f"{tmp_path}/groups/g.yaml:6:19"
    assert sources["activation.require"].layer == "group_defaults"
    assert str(sources["activation.require"]).startswith(f"{tmp_path}/pim.yaml:8:")
    assert sources["activation.approval.approvers"].layer == "templates.critical"
    assert sources["notifications.activated.admin.recipients"].layer == "defaults"
    assert member.template_chain == ("critical",)
    owner = desired.groups[0].sections["owner"]
    assert owner.settings.activation.max_duration == 4 * 3600  # defaults apply to groups too
    assert owner.settings.eligible_assignment.allow_permanent is True
    assert owner.settings.eligible_assignment.max_duration is None
    assert owner.settings.active_assignment.allow_permanent is False  # Entra's group default


def test_group_defaults_do_not_reach_roles(tmp_path: Path) -> None:
    write(tmp_path / "roles" / "ga.yaml", "role: Global Administrator\n")
    desired = _compile(tmp_path, g=TIER0)
    (role,) = desired.roles
    assert role.settings.activation.require_mfa is True  # Entra's role default, not the layer
    assert role.sources["activation.require"].layer == "Entra default"
    assert role.settings.eligible_assignment.allow_permanent is True


def test_null_puts_a_group_setting_back_to_entras_group_default(tmp_path: Path) -> None:
    tenant = TENANT + "  loose:\n    eligible_assignment: {allow_permanent: true}\n"
    text = "group: G\nmember:\n  template: loose\n  eligible_assignment: null\n"
    member = _compile(tmp_path, tenant, g=text).groups[0].sections["member"]
    assert member.settings.eligible_assignment == ENTRA_GROUP_DEFAULT_SETTINGS.eligible_assignment


def test_declared_grants_are_located_in_their_section(tmp_path: Path) -> None:
    member = _compile(tmp_path, g=TIER0).groups[0].sections["member"]
    eligible, active = member.assignments
    assert (eligible.kind, eligible.principal, eligible.scope) == (
        "eligible",
        "user:alice@contoso.com",
        "/",
    )
    assert (eligible.location.line, eligible.location.col) == (9, 9)
    assert (active.kind, active.principal, active.location.line) == (
        "active",
        "group:Tier0 Approvers",
        12,
    )
    assert not active.outside_pim
    assert member.location.line == 3  # the `member:` key
    assert _compile(tmp_path, g=TIER0).groups[0].location.line == 1


def test_a_permanent_grant_the_group_default_forbids_is_a_warning_at_its_place(
    tmp_path: Path,
) -> None:
    text = (
        "group: G\nmember:\n  assignments:\n    eligible:\n"
        "      - principal: user:a@contoso.com\n        permanent: true\n"
    )
    desired = _compile(tmp_path, g=text)
    (warning,) = desired.warnings
    assert warning.location.line == 5
    assert "does not allow permanent eligible assignments" in warning.message


def test_scope_and_outside_pim_and_service_principals_are_refused(tmp_path: Path) -> None:
    text = (
        "group: G\n"
        "member:\n"
        "  assignments:\n"
        "    eligible:\n"
        "      - principal: user:a@contoso.com\n"
        "        permanent: true\n"
        "        scope: /administrativeUnits/x\n"
        "    active:\n"
        "      - principal: sp:11111111-1111-1111-1111-111111111111\n"
        "        expires: 2027-01-01\n"
    )
    errors = _errors(tmp_path, g=text)
    assert any(":7:9:" in e and "scope" in e for e in errors), errors
    assert any(":9:9:" in e and "service principal" in e for e in errors), errors


def test_unknown_key_in_a_section_is_located(tmp_path: Path) -> None:
    errors = _errors(tmp_path, g="group: G\nmember:\n  activaton: {max_duration: PT1H}\n")
    assert len(errors) == 1 and ":3:3:" in errors[0] and "activation" in errors[0]


def test_group_name_must_be_plain(tmp_path: Path) -> None:
    errors = _errors(tmp_path, g="group: 'group:Tier0 Admins'\nmember: {}\n")
    assert len(errors) == 1 and ":1:8:" in errors[0] and "without `group:`" in errors[0]


def test_unknown_template_in_a_section_is_located(tmp_path: Path) -> None:
    errors = _errors(tmp_path, g="group: G\nowner:\n  template: critcal\n")
    assert len(errors) == 1 and ":3:13:" in errors[0] and "did you mean 'critical'" in errors[0]


def test_two_files_for_one_group_is_an_error_naming_both(tmp_path: Path) -> None:
    errors = _errors(tmp_path, a="group: Tier0 Admins\nmember: {}\n", b="group: tier0 admins\n")
    assert len(errors) == 1
    assert errors[0].startswith(f"{tmp_path}/groups/b.yaml:1:1:")
    assert f"already managed by {tmp_path}/groups/a.yaml:1:1" in errors[0]


def test_one_principal_twice_in_a_section_is_an_error(tmp_path: Path) -> None:
    grant = "      - principal: {}\n        expires: 2027-01-01\n"
    text = (
        "group: G\nmember:\n  assignments:\n    eligible:\n"
        + grant.format("user:A@contoso.com")
        + grant.format("user:a@contoso.com")
    )
    errors = _errors(tmp_path, g=text)
    assert len(errors) == 1 and ":7:9:" in errors[0] and "declared twice" in errors[0]


def test_a_group_section_checks_what_graph_refuses(tmp_path: Path) -> None:
    text = "group: G\nmember:\n  activation: {require: [mfa], authentication_context: c1}\n"
    errors = _errors(tmp_path, g=text)
    assert len(errors) == 1 and "MfaAndAcrsConflict" in errors[0] and ":3:" in errors[0]


def test_group_files_count_in_assignments_and_principals(tmp_path: Path) -> None:
    from pim_gitops.compile import all_principals

    desired = _compile(tmp_path, g=TIER0)
    assert desired.assignment_count == 2
    names = set(all_principals(desired))
    assert {"group:Tier0 Admins", "user:alice@contoso.com", "group:Tier0 Approvers"} <= names


def test_validate_says_how_many_groups_it_manages(tmp_path: Path) -> None:
    from pim_gitops.render.desired import summarize_desired

    text = summarize_desired(_compile(tmp_path, g=TIER0), "policies")
    assert "1 group managed (PIM for Groups, resolved at plan time): 2 sections, 2 grants." in text
    bare = summarize_desired(_compile(tmp_path / "none"), "policies")
    assert "group" not in bare


def test_the_group_schema_takes_the_documented_file_and_refuses_what_the_loader_refuses() -> None:
    import json

    import jsonschema
    import yaml

    from .conftest import ROOT

    schema = json.loads((ROOT / "schemas" / "policy-group.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    page = (ROOT / "docs" / "policy-reference.md").read_text(encoding="utf-8")
    example = page.split("$schema=../schemas/policy-group.schema.json\n", 1)[1].split("```")[0]
    assert validator.is_valid(json.loads(json.dumps(yaml.safe_load(example), default=str)))
    grant = {"principal": "user:a@contoso.com", "permanent": True}
    assert validator.is_valid({"group": "G", "member": {"assignments": {"eligible": [grant]}}})
    assert not validator.is_valid({"group": "G", "member": {"activaton": {}}})
    assert not validator.is_valid({"member": {}})
    for extra in ({"scope": "/"}, {"outside_pim": True}):
        bad = {"group": "G", "owner": {"assignments": {"active": [{**grant, **extra}]}}}
        assert not validator.is_valid(bad)


def test_a_broken_tenant_file_still_checks_what_group_files_declare(tmp_path: Path) -> None:
    broken = "tenant: t\ntemplates:\n  critical: {activation: {max_duration: PT1H}}\nbogus: 1\n"
    text = (
        "group: G\nmember:\n  template: critcal\nowner:\n"
        "  activation: {require: [mfa], authentication_context: c1}\n"
    )
    errors = _errors(tmp_path, broken, g=text)
    assert any("pim.yaml:4:1:" in e for e in errors), errors
    assert any("g.yaml:3:13:" in e and "did you mean 'critical'" in e for e in errors), errors
    assert any("g.yaml:5:" in e and "MfaAndAcrsConflict" in e for e in errors), errors


def test_a_group_by_object_id_keeps_the_id_as_written(tmp_path: Path) -> None:
    gid = "7E526275-97A8-4DC6-932A-4DB521CCCF96"
    (group,) = _compile(tmp_path, g=f"group: {gid}\nowner: {{}}\n").groups
    assert group.written == gid
    assert group.sections["owner"].ref.id == gid.lower()
    assert group.sections["owner"].ref.display_name == gid
