from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import yaml

from pim_gitops.compile import (
    ENTRA_DEFAULT,
    SETTING_PATHS,
    CompiledRole,
    Source,
    compile_policies,
    settings_to_dict,
)
from pim_gitops.errors import PolicyErrors
from pim_gitops.loader import load_policies
from pim_gitops.state import ENTRA_DEFAULT_SETTINGS

from .conftest import NOW, POLICIES, write

TENANT = """\
tenant: contoso.onmicrosoft.com
defaults:
  activation: {max_duration: PT8H, require: [mfa, justification, ticket]}
  eligible_assignment: {allow_permanent: false, max_duration: P365D}
  notifications:
    activated:
      admin: {recipients: [SecOps@Contoso.com]}
templates:
  base:
    activation: {max_duration: PT4H}
    eligible_assignment: {max_duration: P180D}
  critical:
    extends: base
    activation:
      max_duration: PT1H
      approval: {approvers: [group:Tier0 Approvers]}
"""


def _compile(tmp_path: Path, tenant: str = TENANT, now: datetime = NOW, **roles: str):  # type: ignore[no-untyped-def]
    write(tmp_path / "pim.yaml", tenant)
    for name, text in roles.items():
        write(tmp_path / "roles" / f"{name}.yaml", text)
    return compile_policies(load_policies(tmp_path), now)


def _errors(tmp_path: Path, tenant: str = TENANT, **roles: str) -> list[str]:
    with pytest.raises(PolicyErrors) as info:
        _compile(tmp_path, tenant, **roles)
    return [e.message for e in info.value.errors]


def test_example_repository_compiles() -> None:
    desired = compile_policies(load_policies(POLICIES), NOW)
    assert desired.tenant == "contoso.onmicrosoft.com"
    names = [r.ref.label for r in desired.roles]
    assert names == sorted(names, key=str.casefold)
    ga = next(r for r in desired.roles if r.ref.id == "62e90394-69f5-4237-9190-012177145e10")
    assert ga.template_chain == ("privileged", "critical")
    assert ga.settings.activation.max_duration == 3600
    assert ga.settings.activation.approval_required
    assert ga.settings.activation.approvers == ("group:PIM Tier0 Approvers",)
    assert ga.settings.active_assignment.allow_permanent
    assert {a.principal for a in ga.assignments if a.permanent} == set(desired.break_glass)


def test_merge_order_defaults_then_template_chain_then_role(tmp_path: Path) -> None:
    desired = _compile(
        tmp_path,
        a="role: Global Administrator\ntemplate: critical\nactivation: {require: [mfa]}\n",
        b="role: Global Reader\n",
        c="role: User Administrator\ntemplate: base\n",
    )
    by_name = {r.ref.label: r for r in desired.roles}
    ga = by_name["Global Administrator"].settings
    assert ga.activation.max_duration == 3600  # critical overrides base overrides defaults
    assert (ga.activation.require_mfa, ga.activation.require_justification) == (True, False)
    assert ga.eligible_assignment.max_duration == 180 * 86400  # from base, via critical
    assert ga.activation.approval_required  # approvers named ⇒ approval on
    reader = by_name["Global Reader"].settings
    assert reader.activation.max_duration == 8 * 3600
    assert reader.activation.require_ticket
    assert not reader.activation.approval_required
    assert by_name["User Administrator"].settings.activation.max_duration == 4 * 3600
    # recipients are normalized to lower case; other notifications keep Entra's defaults
    admin = reader.notification("activated", "admin")
    assert admin.recipients == ("secops@contoso.com",) and admin.default_recipients
    assert reader.notification("eligible_assigned", "admin") == ENTRA_DEFAULT_SETTINGS.notification(
        "eligible_assigned", "admin"
    )


def test_provenance_points_at_the_winning_layer(tmp_path: Path) -> None:
    desired = _compile(tmp_path, a="role: Global Administrator\ntemplate: critical\n")
    (ga,) = desired.roles
    where = ga.source_of("activation.max_duration")
    assert where.path.endswith("pim.yaml") and where.line == 15
    assert ga.source_of("activation.require").line == 3
    assert ga.source_of("notifications.eligible_assigned") == ga.location  # never declared


def test_unset_settings_take_entra_defaults(tmp_path: Path) -> None:
    desired = _compile(tmp_path, tenant="tenant: t\n", a="role: Global Reader\n")
    assert desired.roles[0].settings == ENTRA_DEFAULT_SETTINGS


def test_unknown_template_suggests_a_name(tmp_path: Path) -> None:
    messages = _errors(tmp_path, a="role: Global Reader\ntemplate: critcal\n")
    assert messages == ["unknown template 'critcal'; did you mean 'critical'?"]


def test_template_cycle_is_named(tmp_path: Path) -> None:
    tenant = "tenant: t\ntemplates:\n  a: {extends: b}\n  b: {extends: a}\n"
    messages = _errors(tmp_path, tenant=tenant, r="role: Global Reader\ntemplate: a\n")
    assert "template cycle: a → b → a" in messages
    assert "template cycle: b → a → b" in messages


def test_role_managed_twice_by_id_and_by_name(tmp_path: Path) -> None:
    messages = _errors(
        tmp_path,
        a="role: Global Administrator\n",
        b="role: 62E90394-69F5-4237-9190-012177145E10\n",
    )
    assert len(messages) == 1
    assert messages[0].startswith("role 'Global Administrator' is already managed by ")
    assert "a.yaml:1:1" in messages[0]


def test_same_principal_twice(tmp_path: Path) -> None:
    role = (
        "role: Global Reader\nassignments:\n  eligible:\n"
        "    - {principal: user:Alice@contoso.com, duration: P30D, renew: true}\n"
        "    - {principal: user:alice@contoso.com, duration: P60D, renew: true}\n"
        "  active:\n    - {principal: user:alice@contoso.com, duration: P1D, renew: true}\n"
    )
    with pytest.raises(PolicyErrors) as info:
        _compile(tmp_path, a=role)
    assert [str(e) for e in info.value.errors] == [
        f"{tmp_path}/roles/a.yaml:5:7: Global Reader: user:alice@contoso.com is declared twice "
        f"as eligible at scope '/' (first at {tmp_path}/roles/a.yaml:4:7)"
    ]


def test_mfa_with_authentication_context_is_refused(tmp_path: Path) -> None:
    (message,) = _errors(
        tmp_path, a="role: Global Reader\nactivation: {authentication_context: c1}\n"
    )
    assert "MfaAndAcrsConflict" in message and "Drop `mfa`" in message
    assert "pim.yaml:3:45" in message  # where the MFA requirement came from


def test_authentication_context_without_mfa_is_fine(tmp_path: Path) -> None:
    desired = _compile(
        tmp_path,
        a="role: Global Reader\nactivation:\n"
        "  {authentication_context: c1, require: [justification]}\n",
    )
    act = desired.roles[0].settings.activation
    assert act.authentication_context == "c1" and not act.require_mfa


def test_activation_longer_than_a_day_is_a_warning_offline(tmp_path: Path) -> None:
    desired = _compile(tmp_path, a="role: Global Reader\nactivation: {max_duration: P2D}\n")
    (message,) = [w.message for w in desired.warnings if "max_duration" in w.message]
    assert "outside what Graph accepts" in message and "PT24H" in message


def test_activation_of_exactly_a_day_is_accepted(tmp_path: Path) -> None:
    desired = _compile(tmp_path, a="role: Global Reader\nactivation: {max_duration: P1D}\n")
    assert desired.roles[0].settings.activation.max_duration == 86400


def test_permanent_assignment_against_policy(tmp_path: Path) -> None:
    role = (
        "role: Global Reader\nassignments:\n  eligible:\n"
        "    - {principal: user:a@contoso.com, permanent: true}\n"
    )
    # Offline only a warning: the tenant may already hold it (grandfathered); plan decides.
    (warning,) = _compile(tmp_path, a=role).warnings
    message = warning.message
    assert warning.warning
    assert "is permanent, but the role's policy does not allow permanent eligible" in message
    assert "eligible_assignment.allow_permanent is false" in message
    assert "allowed only if the tenant already holds it as declared" in message


def test_assignment_longer_than_the_maximum(tmp_path: Path) -> None:
    role = (
        "role: Global Reader\ntemplate: base\nassignments:\n  eligible:\n"
        "    - {principal: user:a@contoso.com, duration: P200D, renew: true}\n"
        "    - {principal: user:b@contoso.com, expires: 2027-12-31}\n"
        "    - {principal: user:c@contoso.com, expires: 2027-03-01}\n"
    )
    messages = sorted(w.message for w in _compile(tmp_path, a=role).warnings)
    assert len(messages) == 2
    assert "user:a@contoso.com lasts P200D, longer than the role's maximum P180D" in messages[0]
    assert "user:b@contoso.com lasts" in messages[1]


def test_expired_assignment_is_a_warning(tmp_path: Path) -> None:
    role = (
        "role: Global Reader\nassignments:\n  eligible:\n"
        "    - {principal: user:a@contoso.com, expires: 2026-01-01}\n"
    )
    desired = _compile(tmp_path, a=role)
    (warning,) = desired.warnings
    assert warning.warning and "ended 2026-01-01T00:00:00Z: remove it from the file" in (
        warning.message
    )
    assert warning.location.line == 4


def test_approval_without_approvers_is_valid(tmp_path: Path) -> None:
    desired = _compile(
        tmp_path, a="role: Global Reader\nactivation: {approval: {required: true}}\n"
    )
    act = desired.roles[0].settings.activation
    assert act.approval_required and act.approvers == ()


def test_approval_off_drops_stale_approvers(tmp_path: Path) -> None:
    desired = _compile(
        tmp_path,
        a="role: Global Reader\ntemplate: critical\nactivation: {approval: {required: false}}\n",
    )
    act = desired.roles[0].settings.activation
    assert not act.approval_required and act.approvers == ()


def test_custom_role_names_are_resolved_later(tmp_path: Path) -> None:
    desired = _compile(tmp_path, a="role: Contoso Tier1 Support\n")
    assert desired.roles[0].ref.id is None
    assert desired.roles[0].ref.label == "Contoso Tier1 Support"


# --- typed merge and provenance ----------------------------------------------------------


def _role(tmp_path: Path, text: str, tenant: str = TENANT) -> CompiledRole:
    (role,) = _compile(tmp_path, tenant, a=text).roles
    return role


def _where(source: Source) -> tuple[str, str, int, int]:
    assert source.location is not None, source
    path = Path(source.location.path).name
    return source.layer, path, source.location.line, source.location.col


def test_sources_name_the_layer_and_position_that_won(tmp_path: Path) -> None:
    role = _role(tmp_path, "role: Global Reader\ntemplate: critical\n")
    # set in defaults only
    assert _where(role.sources["activation.require"]) == ("defaults", "pim.yaml", 3, 45)
    # defaults PT8H → base PT4H → critical PT1H: the end of the chain wins
    assert _where(role.sources["activation.max_duration"]) == (
        "templates.critical",
        "pim.yaml",
        15,
        21,
    )
    # defaults P365D → base P180D (critical is silent): base wins
    assert _where(role.sources["eligible_assignment.max_duration"]) == (
        "templates.base",
        "pim.yaml",
        11,
        41,
    )
    assert str(role.sources["activation.max_duration"]).endswith(
        "pim.yaml:15:21 (templates.critical)"
    )


def test_the_role_file_overrides_the_template_chain(tmp_path: Path) -> None:
    role = _role(
        tmp_path, "role: Global Reader\ntemplate: critical\nactivation:\n  max_duration: PT2H\n"
    )
    assert role.settings.activation.max_duration == 2 * 3600
    assert _where(role.sources["activation.max_duration"]) == ("role", "a.yaml", 4, 17)
    assert str(role.sources["activation.max_duration"]).endswith("a.yaml:4:17")  # no layer word
    assert (
        role.source_of("activation.max_duration")
        == role.sources["activation.max_duration"].location
    )


def test_a_value_nobody_wrote_is_the_entra_default(tmp_path: Path) -> None:
    role = _role(tmp_path, "role: Global Reader\n")
    assert role.sources["activation.authentication_context"] is ENTRA_DEFAULT
    assert str(ENTRA_DEFAULT) == "Entra default"
    assert role.sources["notifications.eligible_assigned.admin.recipients"] == ENTRA_DEFAULT
    assert "activation.authentication_context" not in role.provenance
    assert role.source_of("activation.authentication_context") == role.location
    assert role.settings.active_assignment == ENTRA_DEFAULT_SETTINGS.active_assignment


def test_a_nested_block_overridden_in_part_keeps_the_rest_from_below(tmp_path: Path) -> None:
    role = _role(
        tmp_path,
        "role: Global Reader\ntemplate: critical\n"
        "activation:\n  approval: {required: false}\n  require: [mfa]\n",
    )
    policy = role.policy
    assert policy is not None and policy.activation is not None
    assert policy.activation.approval is not None
    # the template's approvers stay in the merged policy words; approval is off
    assert policy.activation.approval.approvers == ("group:Tier0 Approvers",)
    assert policy.activation.approval.required is False
    assert policy.activation.max_duration == 3600  # typed: seconds, from critical
    assert _where(role.sources["activation.approval.approvers"])[:3] == (
        "templates.critical",
        "pim.yaml",
        16,
    )
    assert _where(role.sources["activation.approval.required"])[:3] == ("role", "a.yaml", 4)
    assert _where(role.sources["activation.require"])[:3] == ("role", "a.yaml", 5)
    assert role.sources["activation.max_duration"].layer == "templates.critical"
    act = role.settings.activation
    assert not act.approval_required and act.approvers == ()
    assert (act.require_mfa, act.require_justification, act.require_ticket) == (True, False, False)


def test_approvers_alone_imply_approval_and_say_so(tmp_path: Path) -> None:
    role = _role(tmp_path, "role: Global Reader\ntemplate: critical\n")
    assert role.settings.activation.approval_required
    required = role.sources["activation.approval.required"]
    assert required.layer == "templates.critical" and required.location is not None
    assert required.location.line == 16
    assert str(required).endswith("(templates.critical, implied by activation.approval.approvers)")


def test_null_puts_a_value_or_a_block_back_to_entra_default(tmp_path: Path) -> None:
    tenant = TENANT + "      authentication_context: c1\n"
    text = (
        "role: Global Reader\ntemplate: critical\n"
        "activation: {authentication_context: null, require: [justification]}\n"
        "eligible_assignment: null\n"
    )
    role = _role(tmp_path, text, tenant)
    assert role.settings.activation.authentication_context is None
    assert _where(role.sources["activation.authentication_context"])[:3] == ("role", "a.yaml", 3)
    assert role.settings.eligible_assignment == ENTRA_DEFAULT_SETTINGS.eligible_assignment
    for path in ("allow_permanent", "max_duration", "require"):
        assert _where(role.sources[f"eligible_assignment.{path}"]) == ("role", "a.yaml", 4, 22)


def test_sources_cover_every_setting_path_sorted(tmp_path: Path) -> None:
    role = _role(tmp_path, "role: Global Reader\ntemplate: critical\n")
    assert list(role.sources) == sorted(SETTING_PATHS)
    assert len(SETTING_PATHS) == 41
    assert "activation.custom_extension" in SETTING_PATHS
    assert "notifications.activated.admin.recipients" in SETTING_PATHS
    assert "activation.approval.approvers" in SETTING_PATHS
    assert list(role.provenance) == sorted(role.provenance)
    declared = {p for p, s in role.sources.items() if s.declared}
    assert set(role.provenance) == declared


def test_compiling_twice_gives_equal_roles(tmp_path: Path) -> None:
    first = _role(tmp_path, "role: Global Reader\ntemplate: critical\n")
    second = compile_policies(load_policies(tmp_path), NOW).roles[0]
    assert first == second


def test_merged_durations_stay_seconds_without_reparsing(tmp_path: Path) -> None:
    role = _role(
        tmp_path,
        "role: Global Reader\ntemplate: base\nactive_assignment:\n"
        "  {allow_permanent: false, max_duration: P15D}\n",
    )
    assert role.policy is not None and role.policy.active_assignment is not None
    assert role.policy.active_assignment.max_duration == 15 * 86400
    assert role.settings.active_assignment.max_duration == 15 * 86400
    assert role.settings.eligible_assignment.max_duration == 180 * 86400


def test_settings_to_dict_round_trips_through_the_role_file(tmp_path: Path) -> None:
    role = _role(tmp_path, "role: Global Reader\ntemplate: critical\n")
    words = settings_to_dict(role.settings)
    again = _role(
        tmp_path / "again", "role: Global Reader\n" + yaml.safe_dump(words), "tenant: t\n"
    )
    assert again.settings == role.settings


AU = "a04006f3-6e28-547f-99e8-4ae4832a3e56"


def test_one_administrative_unit_in_two_spellings_is_declared_twice(tmp_path: Path) -> None:
    role = (
        "role: Global Reader\nassignments:\n  eligible:\n"
        f"    - {{principal: user:a@contoso.com, duration: P1D"
        f", renew: true, scope: administrative_unit:{AU}}}\n"
        f"    - {{principal: user:a@contoso.com, duration: P1D, renew: true, "
        f"scope: /administrativeUnits/{AU.upper()}}}\n"
    )
    with pytest.raises(PolicyErrors) as info:
        _compile(tmp_path, a=role)
    assert [str(e) for e in info.value.errors] == [
        f"{tmp_path}/roles/a.yaml:5:7: Global Reader: user:a@contoso.com is declared twice as "
        f"eligible at scope '/administrativeUnits/{AU}' (first at {tmp_path}/roles/a.yaml:4:7)"
    ]


def test_declared_scopes_are_canonical(tmp_path: Path) -> None:
    role = (
        "role: Global Reader\nassignments:\n  eligible:\n"
        f"    - {{principal: user:a@contoso.com, duration: P1D"
        f", renew: true, scope: administrative_unit:{AU}}}\n"
        "    - {principal: user:b@contoso.com, duration: P1D, renew: true}\n"
    )
    (compiled,) = _compile(tmp_path, a=role).roles
    assert [a.scope for a in compiled.assignments] == [f"/administrativeUnits/{AU}", "/"]


def test_guarded_references_keep_where_they_are_written(tmp_path: Path) -> None:
    tenant = TENANT + (
        "break_glass:\n  - user:bg1@contoso.com\n  - user:bg2@contoso.com\n"
        "apply_identity: sp:5b4b2a3c-7d1e-4f60-9a8b-0c1d2e3f4a5b\n"
    )
    desired = _compile(tmp_path, tenant, a="role: Global Reader\n")
    pim = f"{tmp_path}/pim.yaml"
    assert [str(desired.break_glass_location(i)) for i in range(2)] == [
        f"{pim}:18:5",
        f"{pim}:19:5",
    ]
    assert str(desired.apply_identity_at()) == f"{pim}:20:17"
    assert str(desired.break_glass_location(2)) == pim  # out of range: the file itself


def test_approvers_keep_where_the_winning_layer_writes_them(tmp_path: Path) -> None:
    role = "role: Global Administrator\ntemplate: critical\n"
    (compiled,) = _compile(tmp_path, a=role).roles
    assert str(compiled.approver_location("group:Tier0 Approvers")) == f"{tmp_path}/pim.yaml:16:30"
    own = role + "activation:\n  approval:\n    approvers: [user:x@contoso.com, group:G]\n"
    (compiled,) = _compile(tmp_path, a=own).roles
    assert str(compiled.approver_location("group:G")) == f"{tmp_path}/roles/a.yaml:5:37"
    assert str(compiled.approver_location("group:Tier0 Approvers")) == (
        f"{tmp_path}/roles/a.yaml:5:16"  # not among the winning layer's: the list itself
    )
