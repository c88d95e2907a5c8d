"""Hostile cases of issue 23's request history: an activation granted before the role's
policy last changed is not judged against today's policy (HIS002); a justification that
carries this tool's trace is not this tool's request unless this tool could have made it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pim_gitops.history_wire import normalize_request
from tests.lint.helpers import lint_repo, write_repo
from tests.test_history_wire import activation

PIM = "tenant: contoso.onmicrosoft.com\n"
USERS = {"alice@contoso.com": {}, "carol@contoso.com": {}}
#: The lint facts' builder stamps a patched policy lastModifiedDateTime = 40 days ago.
GA_APPROVAL = {
    "Global Administrator": {
        "Approval_EndUser_Assignment": {"setting": {"isApprovalRequired": True}}
    }
}
TRACE = " [pim-gitops commit 0123456789ab https://github.com/contoso/pim/pull/7]"


def _his002(tmp_path: Path, *days_ago: int) -> list[Any]:
    base = {"role": "Global Administrator", "principal": "user:alice@contoso.com"}
    requests = [base | {"justification": "x", "days_ago": d} for d in days_ago]
    facts = {"users": USERS, "policies": GA_APPROVAL, "history": {"requests": requests}}
    result = lint_repo(write_repo(tmp_path, {"pim.yaml": PIM}), facts)
    return [f for f in result.findings if f.rule == "HIS002"]


def test_an_activation_before_the_policy_changed_is_not_a_violation(tmp_path: Path) -> None:
    found = _his002(tmp_path, 39, 41, 60)
    warnings = [f for f in found if f.severity == "warning"]
    assert len(warnings) == 1
    (info,) = [f for f in found if f.severity == "info"]
    assert "2 granted activations" in info.message and "last changed" in info.message


def test_an_activation_after_the_policy_changed_is_judged(tmp_path: Path) -> None:
    (found,) = _his002(tmp_path, 39)
    assert found.severity == "warning" and "requires approval" in found.message


def test_a_user_writing_the_trace_into_an_activation_is_not_this_tool() -> None:
    raw = activation("r1", "2026-11-20T09:00:00Z", justification="Patch night" + TRACE)
    assert normalize_request(raw, "active", {}).provenance is None


def test_the_trace_on_an_admin_request_of_another_principal_is_this_tool() -> None:
    raw = activation("r2", "2026-11-20T09:00:00Z", justification="Managed" + TRACE)
    raw |= {"action": "adminAssign"}
    raw["createdBy"] = {"application": {"id": "apply-sp"}, "device": None, "user": None}
    found = normalize_request(raw, "active", {}).provenance
    assert found is not None and found.commit == "0123456789ab" and found.pull_request == "7"


def test_an_admin_request_a_user_made_for_themselves_is_not_this_tool() -> None:
    raw = activation("r3", "2026-11-20T09:00:00Z", justification="Mine" + TRACE)
    raw |= {"action": "adminAssign"}  # createdBy.user is the principal itself
    assert normalize_request(raw, "active", {}).provenance is None
