"""The policy-rule table: each row reads what it writes, carries its own paths, and orders a
change into the right apply phase, boundaries included."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.normalize import normalize_leaves, normalize_tenant
from pim_gitops.policy_rules import Phase, PolicyScope, rule_by_id, rule_for_path, rules_of
from pim_gitops.rawjson import RawObject
from pim_gitops.roles import GLOBAL_ADMINISTRATOR
from pim_gitops.snapshot import read_snapshot
from pim_gitops.state import (
    NOTIFICATION_KEYS,
    Leaf,
    RoleSettings,
    make_activation,
    make_assignment_rules,
    make_notification,
    settings_from_leaves,
    settings_leaves,
)
from pim_gitops.tenantgen import SAMPLE_NOW
from pim_gitops.wire import format_duration

SCOPE = PolicyScope.DIRECTORY_ROLE
USER = "user:00000000-0000-0000-0000-0000000000a1"
GROUP = "group:00000000-0000-0000-0000-0000000000b2"
EXTENSION = "00000000-0000-0000-0000-0000000000e1"


def live_rules() -> dict[str, dict[str, Any]]:
    state = normalize_tenant(read_snapshot(SAMPLE_TENANT), SAMPLE_NOW)
    return {k: dict(v) for k, v in state.policies[GLOBAL_ADMINISTRATOR].raw_rules.items()}


LIVE = live_rules()

minutes = st.integers(min_value=1, max_value=24 * 60).map(lambda m: m * 60)
days = st.integers(min_value=1, max_value=730).map(lambda d: d * 86400)
emails = st.lists(
    st.sampled_from(["a@contoso.com", "B@Contoso.com", "ops@fabrikam.com"]), max_size=3
)


@st.composite
def role_settings(draw: Any) -> RoleSettings:
    approval = draw(st.booleans())
    mfa = draw(st.booleans())
    context = None if mfa else draw(st.sampled_from([None, "c1", "c25"]))

    def rules() -> Any:
        return make_assignment_rules(
            allow_permanent=draw(st.booleans()),
            max_duration=draw(days),
            require_mfa=draw(st.booleans()),
            require_justification=draw(st.booleans()),
        )

    return RoleSettings(
        activation=make_activation(
            max_duration=draw(minutes),
            require_mfa=mfa,
            require_justification=draw(st.booleans()),
            require_ticket=draw(st.booleans()),
            authentication_context=context,
            approval_required=approval,
            approvers=draw(st.lists(st.sampled_from([USER, GROUP]), max_size=2)),
            pre_approval_extension=draw(st.sampled_from([None, EXTENSION])),
            post_approval_extension=draw(st.sampled_from([None, EXTENSION])),
        ),
        eligible_assignment=rules(),
        active_assignment=rules(),
        notifications=tuple(
            (
                key,
                make_notification(
                    default_recipients=draw(st.booleans()),
                    recipients=draw(emails),
                    level=draw(st.sampled_from(["All", "Critical", "None"])),
                ),
            )
            for key in NOTIFICATION_KEYS
        ),
    )


@given(role_settings())
def test_every_rule_reads_back_what_it_wrote(settings: RoleSettings) -> None:
    """normalize(write(live, leaves)) == leaves, for every rule at once and in any order; a
    rule the sample policy lacks (the custom extension rules) is written whole."""
    leaves = settings_leaves(settings)
    written = [
        spec.write(copy.deepcopy(LIVE.get(spec.id, {})), {p: leaves[p] for p in spec.paths})
        for spec in rules_of(SCOPE)
    ]
    assert normalize_leaves(list(reversed(written)), "test") == leaves
    assert settings_from_leaves(leaves) == settings


def test_paths_partition_the_settings() -> None:
    leaves = settings_leaves(settings_from_leaves(normalize_leaves(list(LIVE.values()), "x")))
    carried = [path for spec in rules_of(SCOPE) for path in spec.paths]
    assert sorted(carried) == sorted(leaves)
    assert len({spec.id for spec in rules_of(SCOPE) if spec.when_absent is None}) == 17
    assert len(rules_of(SCOPE)) == 19
    for path in leaves:
        assert path in rule_for_path(SCOPE, path).paths


def test_write_echoes_the_live_rule_and_keeps_unmanaged_properties() -> None:
    live = copy.deepcopy(LIVE["Approval_EndUser_Assignment"])
    live["setting"]["isApprovalRequiredForExtension"] = True
    live["setting"]["approvalStages"][0]["approvalStageTimeOutInDays"] = 3
    live["@odata.context"] = "https://graph.microsoft.com/v1.0/$metadata#rule"
    spec = rule_by_id(SCOPE, "Approval_EndUser_Assignment")
    want: dict[str, Leaf] = {
        "activation.approval.required": True,
        "activation.approval.approvers": (GROUP, USER),
    }
    body = spec.write(live, want)
    assert body["target"] == live["target"]
    assert body["setting"]["isApprovalRequiredForExtension"] is True
    stage = body["setting"]["approvalStages"][0]
    assert stage["approvalStageTimeOutInDays"] == 3
    assert stage["primaryApprovers"] == [
        {"@odata.type": "#microsoft.graph.groupMembers", "groupId": GROUP.split(":")[1]},
        {"@odata.type": "#microsoft.graph.singleUser", "userId": USER.split(":")[1]},
    ]
    assert "@odata.context" not in body
    assert live["setting"]["approvalStages"][0].get("primaryApprovers") == []  # not mutated


def _phase(rule_id: str, before: dict[str, Leaf], after: dict[str, Leaf]) -> Phase:
    return rule_by_id(SCOPE, rule_id).phase(before, after)


def _expiry(permanent: bool, maximum: int | None) -> dict[str, Leaf]:
    return {
        "eligible_assignment.allow_permanent": permanent,
        "eligible_assignment.max_duration": None if maximum is None else format_duration(maximum),
    }


@pytest.mark.parametrize(
    ("before", "after", "phase"),
    [
        (_expiry(False, 90 * 86400), _expiry(False, 90 * 86400), Phase.RELAX),  # equal: relax
        (_expiry(False, 90 * 86400), _expiry(False, 90 * 86400 + 86400), Phase.RELAX),
        (_expiry(False, 90 * 86400), _expiry(False, 90 * 86400 - 86400), Phase.TIGHTEN),
        (_expiry(True, None), _expiry(False, 365 * 86400), Phase.TIGHTEN),
        (_expiry(False, 30 * 86400), _expiry(True, None), Phase.RELAX),
    ],
)
def test_expiration_phase_boundaries(
    before: dict[str, Leaf], after: dict[str, Leaf], phase: Phase
) -> None:
    assert _phase("Expiration_Admin_Eligibility", before, after) is phase


@pytest.mark.parametrize(
    ("before", "after", "phase"),
    [
        (("justification",), ("justification",), Phase.RELAX),
        (("mfa", "justification"), ("justification",), Phase.RELAX),
        (("justification",), ("mfa", "justification"), Phase.TIGHTEN),
        ((), ("mfa",), Phase.TIGHTEN),
    ],
)
def test_admin_requirement_phase(before: Leaf, after: Leaf, phase: Phase) -> None:
    path = "active_assignment.require"
    assert _phase("Enablement_Admin_Assignment", {path: before}, {path: after}) is phase


def test_outgoing_control_is_switched_off_first() -> None:
    """MFA and an authentication context cannot both be on (MfaAndAcrsConflict)."""
    mfa = "activation.require"
    context = "activation.authentication_context"
    rule_mfa, rule_context = (
        "Enablement_EndUser_Assignment",
        "AuthenticationContext_EndUser_Assignment",
    )
    assert _phase(rule_mfa, {mfa: ("mfa",)}, {mfa: ()}) is Phase.SWITCH_OFF
    assert _phase(rule_mfa, {mfa: ()}, {mfa: ("mfa",)}) is Phase.RELAX
    assert _phase(rule_context, {context: "c1"}, {context: None}) is Phase.SWITCH_OFF
    assert _phase(rule_context, {context: None}, {context: "c1"}) is Phase.RELAX
    assert Phase.SWITCH_OFF < Phase.RELAX < Phase.ASSIGN < Phase.REMOVE < Phase.TIGHTEN


def test_unknown_enabled_rule_is_refused_with_its_name() -> None:
    rule = copy.deepcopy(LIVE["Enablement_EndUser_Assignment"]) | {"enabledRules": ["Nope"]}
    spec = rule_by_id(SCOPE, "Enablement_EndUser_Assignment")
    with pytest.raises(Exception, match=r"unknown enabledRules \['Nope'\]"):
        spec.read(RawObject(rule, "rule"))


def test_notification_level_none_reads_as_its_policy_word_and_writes_back() -> None:
    rule = copy.deepcopy(LIVE["Notification_Admin_EndUser_Assignment"])
    rule["notificationLevel"] = "None"
    spec = rule_by_id(SCOPE, "Notification_Admin_EndUser_Assignment")
    leaves = spec.read(RawObject(rule, "rule"))
    assert leaves["notifications.activated.admin.critical_only"] == "none"
    assert spec.write(rule, leaves)["notificationLevel"] == "None"
    older = leaves | {"notifications.activated.admin.critical_only": None}  # a plan before it
    assert spec.write(rule, older)["notificationLevel"] == "None"


def test_keeping_mfa_while_changing_other_requirements_relaxes() -> None:
    mfa = "activation.require"
    rule_mfa = "Enablement_EndUser_Assignment"
    assert _phase(rule_mfa, {mfa: ("mfa",)}, {mfa: ("mfa", "ticket")}) is Phase.RELAX
    assert _phase(rule_mfa, {mfa: ("justification",)}, {mfa: ("ticket",)}) is Phase.RELAX


def test_changing_the_authentication_context_relaxes() -> None:
    context = "activation.authentication_context"
    rule = "AuthenticationContext_EndUser_Assignment"
    assert _phase(rule, {context: "c1"}, {context: "c2"}) is Phase.RELAX


def test_a_ticket_requirement_set_live_on_admin_assignments_is_kept() -> None:
    spec = rule_by_id(SCOPE, "Enablement_Admin_Assignment")
    live = copy.deepcopy(LIVE["Enablement_Admin_Assignment"])
    want: dict[str, Leaf] = {"active_assignment.require": ("mfa",)}
    live["enabledRules"] = ["Justification", "Ticketing"]
    assert spec.write(live, want)["enabledRules"] == ["MultiFactorAuthentication", "Ticketing"]
    live["enabledRules"] = ["Justification"]
    assert spec.write(live, want)["enabledRules"] == ["MultiFactorAuthentication"]
    live.pop("enabledRules")
    assert spec.write(live, want)["enabledRules"] == ["MultiFactorAuthentication"]


def approval_rule(*approvers: dict[str, Any]) -> dict[str, Any]:
    rule = copy.deepcopy(LIVE["Approval_EndUser_Assignment"])
    rule["setting"]["isApprovalRequired"] = True
    rule["setting"]["approvalStages"][0]["primaryApprovers"] = list(approvers)
    return rule


def read_approvers(rule: dict[str, Any]) -> Leaf:
    spec = rule_by_id(SCOPE, "Approval_EndUser_Assignment")
    return spec.read(RawObject(rule, "rule"))["activation.approval.approvers"]


def test_approvers_in_every_spelling_graph_uses() -> None:
    rule = approval_rule(
        {"@odata.type": "#microsoft.graph.singleUser", "userId": "u1"},
        {"@odata.type": "#microsoft.graph.singleUser", "id": "u2"},
        {"@odata.type": "#microsoft.graph.groupMembers", "groupId": "g1"},
        {"@odata.type": "#microsoft.graph.groupMembers", "id": "g2"},
        {"@odata.type": "singleUser", "userId": "u3"},
        {"@odata.type": "#microsoft.graph.connectedOrganizationMembers", "id": "o1"},
        {"userId": "u4"},
    )
    assert read_approvers(rule) == (
        "connectedOrganizationMembers",
        "group:g1",
        "group:g2",
        "unknown",
        "user:u1",
        "user:u2",
        "user:u3",
    )


def test_an_approver_without_an_id_is_refused_naming_its_stage() -> None:
    rule = approval_rule({"@odata.type": "#microsoft.graph.singleUser"})
    with pytest.raises(Exception, match=r"rule, setting, stage #0, approver: missing 'id'"):
        read_approvers(rule)


def test_approval_on_is_written_as_one_stage_in_single_stage_mode() -> None:
    spec = rule_by_id(SCOPE, "Approval_EndUser_Assignment")
    live = copy.deepcopy(LIVE["Approval_EndUser_Assignment"])
    stage = live["setting"]["approvalStages"][0]
    live["setting"]["approvalStages"] = [stage, copy.deepcopy(stage)]
    live["setting"]["approvalMode"] = "Serial"
    want: dict[str, Leaf] = {
        "activation.approval.required": True,
        "activation.approval.approvers": (USER,),
    }
    setting = spec.write(live, want)["setting"]
    assert setting["approvalMode"] == "SingleStage"
    assert len(setting["approvalStages"]) == 1
    assert setting["approvalStages"][0]["primaryApprovers"] == [
        {"@odata.type": "#microsoft.graph.singleUser", "userId": USER.split(":")[1]}
    ]
    bare = {k: v for k, v in live.items() if k != "setting"}
    written = spec.write(bare, want)["setting"]
    assert written["isApprovalRequired"] is True and len(written["approvalStages"]) == 1
