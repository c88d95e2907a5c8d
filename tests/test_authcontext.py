"""Issue 17 item 12: the authentication context a policy requires on activation is checked
against the tenant's ``authenticationContextClassReferences``, over the emulator (the real
client, over HTTP). The sample tenant has ``c1`` (published) and ``c2`` (not published); the
example policies require ``c1`` on Conditional Access Administrator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from pim_gitops.cli import cli
from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.emulator.identity import APPLY_PERMISSIONS, SAMPLE_APPLY_OBJECT_ID, Caller
from pim_gitops.tenantgen import APPLY_APP_ID
from tests.conftest import POLICIES, Live

NOW = "2026-11-24T09:00:00Z"
ROUTE = "GET identity/conditionalAccess/authenticationContextClassReferences"
CA_FILE = "roles/conditional-access-administrator.yaml"
CA_ADMINISTRATOR = "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9"
#: ``  authentication_context: c1`` is line 9; the value starts at column 27.
WHERE = f"{CA_FILE}:9:27"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["--now", NOW, *args])


def plan(live: Live, directory: Path | str) -> Result:
    return run("--graph-url", live.url, "plan", str(directory))


def require(directory: Path, claim: str) -> None:
    path = directory / CA_FILE
    text = path.read_text(encoding="utf-8")
    assert text.count("authentication_context: c1\n") == 1
    path.write_text(text.replace("authentication_context: c1\n", f"{claim}\n"), encoding="utf-8")


def context_reads(live: Live) -> int:
    return int(live.stats()["by_route"].get(ROUTE, 0))


def test_a_context_the_tenant_does_not_have_is_a_located_plan_error(
    live: Live, policy_copy: Path
) -> None:
    require(policy_copy, "authentication_context: c9")
    result = plan(live, policy_copy)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert WHERE in result.output
    assert (
        "'c9' is not an authentication context of this tenant (published: c1; not published: c2)"
    ) in (result.output)
    assert context_reads(live) == 1 and live.stats()["writes"] == 0


def test_a_context_that_is_not_published_is_a_located_plan_error(
    live: Live, policy_copy: Path
) -> None:
    require(policy_copy, "authentication_context: c2")
    result = plan(live, policy_copy)
    assert result.exit_code == 1, result.output
    assert f"{WHERE}: Conditional Access Administrator:" in result.output
    assert "'c2' exists but is not published to apps (isAvailable: false)" in result.output


def test_apply_refuses_too_before_writing(live: Live, policy_copy: Path) -> None:
    require(policy_copy, "authentication_context: c9")
    result = run("--graph-url", live.url, "apply", str(policy_copy), "--auto-approve")
    assert result.exit_code == 1 and WHERE in result.output, result.output
    assert live.stats()["write_attempts"] == 0


def test_a_published_context_plans_with_one_more_request(live: Live) -> None:
    result = plan(live, POLICIES)
    assert result.exit_code == 0, result.output
    assert context_reads(live) == 1


def test_no_context_declared_or_used_costs_no_request(live: Live, policy_copy: Path) -> None:
    require(policy_copy, "authentication_context: null")
    result = plan(live, policy_copy)
    assert result.exit_code == 0, result.output
    assert context_reads(live) == 0


def test_a_refused_read_fails_closed_naming_the_permission(live: Live) -> None:
    roles = tuple(p for p in APPLY_PERMISSIONS if p != "AuthenticationContext.Read.All")
    live.sign_in(Caller.service_principal(SAMPLE_APPLY_OBJECT_ID, APPLY_APP_ID, roles))
    result = plan(live, POLICIES)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "cannot check the authentication contexts that Conditional Access Administrator " in (
        result.output
    )
    assert "AuthenticationContext.Read.All (least privileged) or Policy.Read.ConditionalAccess" in (
        result.output
    )
    assert "status: 403" in result.output
    # The other permission reads them as well.
    live.sign_in(
        Caller.service_principal(
            SAMPLE_APPLY_OBJECT_ID, APPLY_APP_ID, (*roles, "Policy.Read.ConditionalAccess")
        )
    )
    assert plan(live, POLICIES).exit_code == 0


def _live_claim(live: Live, claim: str | None) -> None:
    policy = live.emulator.store.policy_for_role(CA_ADMINISTRATOR)
    assert policy is not None
    rule = live.emulator.store.rule(policy, "AuthenticationContext_EndUser_Assignment")
    assert rule is not None
    rule.update(isEnabled=claim is not None, claimValue=claim)


def test_a_snapshot_carries_the_contexts_when_the_tenant_uses_one(
    live: Live, tmp_path: Path
) -> None:
    out = tmp_path / "tenant.json"
    assert run("--graph-url", live.url, "snapshot", "--out", str(out)).exit_code == 0
    assert "authenticationContextClassReferences" not in json.loads(out.read_text())
    _live_claim(live, "c1")
    before = context_reads(live)
    assert run("--graph-url", live.url, "snapshot", "--out", str(out)).exit_code == 0
    assert context_reads(live) == before + 1
    saved: dict[str, Any] = json.loads(out.read_text())
    contexts = {c["id"]: c["isAvailable"] for c in saved["authenticationContextClassReferences"]}
    assert contexts == {"c1": True, "c2": False}


def test_plan_from_a_snapshot_checks_offline_or_says_it_did_not(
    policy_copy: Path, tmp_path: Path
) -> None:
    require(policy_copy, "authentication_context: c9")
    offline = run("plan", str(policy_copy), "--snapshot", str(SAMPLE_TENANT))
    assert offline.exit_code == 1, offline.output
    assert f"{WHERE}: Conditional Access Administrator: activation.authentication_context 'c9'" in (
        offline.output
    )
    saved = json.loads(Path(SAMPLE_TENANT).read_text(encoding="utf-8"))
    del saved["authenticationContextClassReferences"]
    older = tmp_path / "older.json"
    older.write_text(json.dumps(saved), encoding="utf-8")
    unchecked = run("plan", str(policy_copy), "--snapshot", str(older), "--format", "json")
    assert unchecked.exit_code == 0, unchecked.output
    document = json.loads(unchecked.output[unchecked.output.index("{") :])
    assert any("'c9' was not checked" in w and WHERE in w for w in document["warnings"])


def test_an_unpublished_context_the_tenant_already_requires_is_a_warning(
    live: Live, policy_copy: Path
) -> None:
    """Nothing is written for it, so an export of such a tenant still plans."""
    _live_claim(live, "c2")
    require(policy_copy, "authentication_context: c2")
    result = run("--graph-url", live.url, "plan", str(policy_copy), "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output[result.output.index("{") :])
    assert any("not published" in w and "already requires it" in w for w in document["warnings"])


def test_emulator_serves_the_seeded_contexts(live: Live) -> None:
    listed = live.http.get("identity/conditionalAccess/authenticationContextClassReferences")
    assert listed.status_code == 200
    assert [(c["id"], c["isAvailable"]) for c in listed.json()["value"]] == [
        ("c1", True),
        ("c2", False),
    ]
    one = live.http.get("identity/conditionalAccess/authenticationContextClassReferences/c2")
    assert one.status_code == 200 and one.json()["displayName"] == "Break-glass review"
    missing = live.http.get("identity/conditionalAccess/authenticationContextClassReferences/c7")
    assert missing.status_code == 404
    live.emulator.store.auth_contexts["c3"] = {"id": "c3", "isAvailable": True}
    again = live.http.get(
        "identity/conditionalAccess/authenticationContextClassReferences",
        params={"$filter": "id eq 'c3'"},
    )
    assert [c["id"] for c in again.json()["value"]] == ["c3"]


def test_the_benchmark_lower_bound_counts_the_contexts_read_when_the_tenant_uses_one(
    live: Live,
) -> None:
    from bench.run import lower_bound

    plain = live.snapshot()
    _live_claim(live, "c1")
    using = live.snapshot()
    principals = len(plain["directoryObjects"])
    assert lower_bound(using, principals) == lower_bound(plain, principals) + 1
