"""HIS: the request history in the posture view. An activation with ticket ``see slack`` is
flagged by the ticket-pattern rule (issue 23's must-hold); approvals not read make "unknown",
never a pass; a history not read is not checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pim_gitops.errors import LintConfigError
from tests.lint.helpers import lint_repo, write_repo

PIM = "tenant: contoso.onmicrosoft.com\n"
PATTERN = PIM + 'lint:\n  rules:\n    HIS001: {options: {ticket_pattern: "^CHG[0-9]+$"}}\n'
USERS = {"alice@contoso.com": {}, "carol@contoso.com": {}}
GA_APPROVAL = {
    "Global Administrator": {
        "Approval_EndUser_Assignment": {"setting": {"isApprovalRequired": True}}
    }
}


def _facts(*requests: dict[str, Any], **extra: Any) -> dict[str, Any]:
    base = {"role": "Global Administrator", "principal": "user:alice@contoso.com"}
    history = {"requests": [base | r for r in requests], **extra}
    return {"users": USERS, "policies": GA_APPROVAL, "history": history}


def _found(tmp_path: Path, code: str, facts: dict[str, Any], pim: str = PIM) -> list[Any]:
    result = lint_repo(write_repo(tmp_path, {"pim.yaml": pim}), facts)
    assert dict(result.ran).get(code) == ("posture",), f"{code} did not judge the history"
    return [f for f in result.findings if f.rule == code]


def test_see_slack_is_flagged_by_the_ticket_pattern(tmp_path: Path) -> None:
    facts = _facts({"justification": "Rotate the certificate", "ticket": "see slack"})
    (found,) = _found(tmp_path, "HIS001", facts, PATTERN)
    assert found.view == "posture" and found.role == "Global Administrator"
    assert found.principal == "user:alice@contoso.com"
    assert 'ticket "see slack", which does not match ^CHG[0-9]+$' in found.message


@pytest.mark.parametrize(
    ("ticket", "flagged"),
    [("CHG1", False), (" CHG1 ", False), ("CHG", True), ("chg1", True), ("CHG1a", True)],
)
def test_the_pattern_is_matched_as_written(tmp_path: Path, ticket: str, flagged: bool) -> None:
    facts = _facts({"justification": "x", "ticket": ticket})
    assert bool(_found(tmp_path, "HIS001", facts, PATTERN)) is flagged


def test_without_a_pattern_the_ticket_rule_judges_nothing(tmp_path: Path) -> None:
    facts = _facts({"justification": "x", "ticket": "see slack"})
    result = lint_repo(write_repo(tmp_path, {"pim.yaml": PIM}), facts)
    assert not [f for f in result.findings if f.rule == "HIS001"]
    assert dict(result.ran).get("HIS001", ()) == ()


def test_a_bad_pattern_is_an_error_at_its_line(tmp_path: Path) -> None:
    pim = PIM + 'lint:\n  rules:\n    HIS001: {options: {ticket_pattern: "^CHG[0-9+$"}}\n'
    with pytest.raises(LintConfigError, match=r"pim\.yaml:4:\d+: .*not a regular expression"):
        _found(tmp_path, "HIS001", _facts({"ticket": "CHG1"}), pim)


def test_a_missing_ticket_counts_only_where_the_role_requires_one(tmp_path: Path) -> None:
    ticketing = {
        "Enablement_EndUser_Assignment": {
            "enabledRules": ["MultiFactorAuthentication", "Justification", "Ticketing"]
        }
    }
    facts = _facts({"justification": "x"}, {"justification": "y", "role": "User Administrator"})
    facts["policies"] = {"Global Administrator": ticketing}
    (found,) = _found(tmp_path, "HIS001", facts, PATTERN)
    assert found.role == "Global Administrator"
    assert found.message.endswith("with no ticket number, which the role requires")


def test_a_denied_activation_is_judged_for_its_ticket_only(tmp_path: Path) -> None:
    facts = _facts({"ticket": "see slack", "status": "Denied"})
    (found,) = _found(tmp_path, "HIS001", facts, PATTERN)
    assert "(status Denied)" in found.message
    assert _found(tmp_path, "HIS003", facts) == []  # refused: its justification gave nothing


def test_non_activation_requests_are_not_judged(tmp_path: Path) -> None:
    facts = _facts(
        {"ticket": "see slack", "action": "selfDeactivate"},
        {"ticket": "see slack", "action": "adminAssign"},
        {"ticket": "see slack", "action": "adminRemove", "status": "Canceled"},
    )
    assert _found(tmp_path, "HIS001", facts, PATTERN) == []
    assert _found(tmp_path, "HIS003", facts) == []


def test_an_activation_of_an_approval_role_without_approval(tmp_path: Path) -> None:
    facts = _facts(
        {"justification": "none at all"},
        {"justification": "approved", "approval": [{"result": "Approve"}]},
        {"justification": "denied step", "approval": [{"result": "Deny"}]},
        {"justification": "pending", "status": "PendingApproval", "approval": []},
    )
    found = _found(tmp_path, "HIS002", facts)
    assert sorted(f.message.rsplit("(", 1)[1] for f in found) == [
        "its approval steps: Deny)",
        "the request has no approval)",
    ]


def test_approvals_not_read_are_unknown_not_passed(tmp_path: Path) -> None:
    gap = {"roleAssignmentApprovals": "approvals not read (graph_beta)"}
    facts = _facts({"justification": "a", "approval": []}, gaps=gap)
    (found,) = _found(tmp_path, "HIS002", facts)
    assert found.severity == "info"
    assert "1 granted activation" in found.message and "unknown" in found.message


def test_an_approval_read_but_not_found_is_no_approval(tmp_path: Path) -> None:
    (found,) = _found(tmp_path, "HIS002", _facts({"justification": "a", "approval": []}))
    assert found.severity == "warning" and "not found" in found.message


def test_a_role_without_approval_is_not_judged(tmp_path: Path) -> None:
    facts = _facts({"justification": "a"})
    facts["policies"] = {}
    assert _found(tmp_path, "HIS002", facts) == []


@pytest.mark.parametrize(("text", "flagged"), [(None, True), ("  ", True), ("x", False)])
def test_justification(tmp_path: Path, text: str | None, flagged: bool) -> None:
    facts = _facts({} if text is None else {"justification": text})
    assert bool(_found(tmp_path, "HIS003", facts)) is flagged


def test_history_not_read_is_not_checked(tmp_path: Path) -> None:
    result = lint_repo(write_repo(tmp_path, {"pim.yaml": PATTERN}), {"users": USERS})
    ran = dict(result.ran)
    assert all(ran.get(code, ()) == () for code in ("HIS001", "HIS002", "HIS003"))


def test_activations_not_listed_are_said_by_every_rule(tmp_path: Path) -> None:
    gap = {"roleAssignmentScheduleRequests": "403 Forbidden"}
    facts = _facts(gaps=gap)
    for code in ("HIS001", "HIS002", "HIS003"):
        (found,) = _found(tmp_path, code, facts, PATTERN)
        assert (found.severity, found.message) == (
            "warning",
            "the tenant's activation requests could not be listed (403 Forbidden): "
            "activations are not judged",
        )
    eligibility_only = _facts(
        {"justification": "x"}, gaps={"roleEligibilityScheduleRequests": "403"}
    )
    assert _found(tmp_path, "HIS003", eligibility_only) == []
