"""PIM custom extensions in the emulator: the list (v1.0 and beta) seeded from the snapshot,
the Governance licence it needs, and the custom extension rule of a policy (one of the two
documented ids, added when the policy lacks it, typed, naming a known extension by
``customExtensionId``, removable with ``null``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.emulator.app import Emulator
from pim_gitops.snapshot import read_snapshot

DATA = Path(__file__).parent / "data" / "custom-extensions"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LIST = "identityGovernance/privilegedAccess/customExtensions"
EXTENSION_ID = "c0ffee00-1111-4222-8333-444455556666"
RULE_ID = "CustomExtension_PreApproval_EndUser_Assignment"
RULE_TYPE = "#microsoft.graph.unifiedRoleManagementPolicyCustomExtensionRule"
TARGET = {
    "caller": "EndUser",
    "operations": ["all"],
    "level": "Assignment",
    "inheritableSettings": [],
    "enforcedSettings": [],
}


def extension() -> dict[str, Any]:
    body: dict[str, Any] = json.loads(
        (DATA / "create-custom-extension.json").read_text(encoding="utf-8")
    )["request"]["body"]
    return body | {"id": EXTENSION_ID, "resourceType": "entraRoles"}


def emulator() -> Emulator:
    seed = dict(read_snapshot(SAMPLE_TENANT))
    seed["privilegedAccessCustomExtensions"] = [extension()]
    return Emulator(seed, clock=lambda: NOW)


def call(
    graph: Emulator, method: str, path: str, body: Any = None, version: str = "beta"
) -> tuple[int, Any]:
    base = f"http://graph.test/{version}"
    reply, _ = graph.execute(method, path, {}, body, base, version=version)
    return reply.status, reply.body


def policy_id(graph: Emulator) -> str:
    return sorted(graph.store.policies)[0]


def rule(extension_id: str | None, **changes: Any) -> dict[str, Any]:
    return {
        "@odata.type": RULE_TYPE,
        "id": RULE_ID,
        "target": TARGET,
        "customExtensionId": extension_id,
        "isEnabled": extension_id is not None,
    } | changes


def patch(graph: Emulator, body: dict[str, Any]) -> tuple[int, Any]:
    path = f"policies/roleManagementPolicies/{policy_id(graph)}"
    return call(graph, "PATCH", path, {"rules": [body]}, version="v1.0")


@pytest.mark.parametrize("version", ["v1.0", "beta"])
def test_extensions_are_listed(version: str) -> None:
    status, page = call(emulator(), "GET", LIST, version=version)
    assert status == 200
    assert [e["displayName"] for e in page["value"]] == ["Role Assignment Ticket Validation"]


def test_a_tenant_without_governance_is_refused() -> None:
    graph = emulator()
    graph.store.beta.governance_licensed = False
    status, body = call(graph, "GET", LIST)
    assert (status, body["error"]["code"]) == (403, "MissingGovernanceLicense")
    status, body = patch(graph, rule(EXTENSION_ID))
    assert (status, body["error"]["code"]) == (403, "MissingGovernanceLicense")
    assert patch(graph, rule(None))[0] == 200


def test_a_policy_lacking_the_rule_gains_it_and_loses_it_with_null() -> None:
    graph = emulator()
    assert graph.store.rule(graph.store.policies[policy_id(graph)], RULE_ID) is None
    status, body = patch(graph, rule(EXTENSION_ID))
    assert status == 200, body
    path = f"policies/roleManagementPolicies/{policy_id(graph)}/rules/{RULE_ID}"
    status, shown = call(graph, "GET", path, version="v1.0")
    assert status == 200
    assert (shown["customExtensionId"], shown["isEnabled"]) == (EXTENSION_ID, True)
    assert patch(graph, rule(None))[0] == 200
    _, shown = call(graph, "GET", path, version="v1.0")
    assert (shown["customExtensionId"], shown["isEnabled"]) == (None, False)


def test_the_rule_route_of_a_missing_rule_is_not_found() -> None:
    graph = emulator()
    path = f"policies/roleManagementPolicies/{policy_id(graph)}/rules/{RULE_ID}"
    assert call(graph, "PATCH", path, rule(EXTENSION_ID), version="v1.0")[0] == 404


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (rule("00000000-0000-4000-8000-000000000000"), "does not exist"),
        (rule(EXTENSION_ID) | {"@odata.type": None}, "@odata.type"),
        (rule(EXTENSION_ID, customExtension={"id": EXTENSION_ID}), "unknown properties"),
        (rule(EXTENSION_ID, target={}), "target"),
        (rule(EXTENSION_ID, customExtensionId={"id": EXTENSION_ID}), "customExtensionId"),
        (rule(EXTENSION_ID, isEnabled="yes"), "isEnabled"),
        (rule(EXTENSION_ID, id="CustomExtension_OnActivation_EndUser_Assignment"), "not a rule"),
    ],
)
def test_invalid_rules_are_refused(body: dict[str, Any], fragment: str) -> None:
    graph = emulator()
    status, reply = patch(graph, body)
    assert status == 400
    assert fragment in reply["error"]["message"]
    assert graph.store.rule(graph.store.policies[policy_id(graph)], RULE_ID) is None


def test_the_rules_target_is_fixed_once_it_exists() -> None:
    graph = emulator()
    assert patch(graph, rule(EXTENSION_ID))[0] == 200
    status, reply = patch(graph, rule(EXTENSION_ID, target=TARGET | {"caller": "Admin"}))
    assert status == 400
    assert "target.caller" in reply["error"]["message"]


def test_extensions_round_trip_through_the_snapshot() -> None:
    snapshot = emulator().store.snapshot("2026-03-02T09:00:00Z")
    assert snapshot["privilegedAccessCustomExtensions"] == [extension()]


def test_one_extension_by_id() -> None:
    graph = emulator()
    status, body = call(graph, "GET", f"{LIST}/{EXTENSION_ID}")
    assert (status, body["displayName"]) == (200, "Role Assignment Ticket Validation")
    assert call(graph, "GET", f"{LIST}/00000000-0000-4000-8000-000000000000")[0] == 404


def test_the_governance_licence_is_a_control_endpoint() -> None:
    import httpx

    from pim_gitops.emulator.server import running

    graph = emulator()
    with running(graph) as url:
        headers = {"Authorization": "Bearer x"}
        assert httpx.get(f"{url}/beta/{LIST}", headers=headers).status_code == 200
        reply = httpx.post(f"{url}/_emulator/governance", json={"licensed": False})
        assert reply.json() == {"licensed": False}
        assert httpx.get(f"{url}/beta/{LIST}", headers=headers).status_code == 403
        assert httpx.post(f"{url}/_emulator/governance", json={"licensed": "no"}).status_code == 400
        httpx.post(f"{url}/_emulator/reset")
        assert httpx.get(f"{url}/_emulator/governance").json() == {"licensed": True}
