"""Replay the documented access-review payloads (``tests/data/access-reviews/``, each with its
source URL) against the emulator over HTTP: every documented key and value type must be in its
answers (the docs shorten their examples), the documented PUT is accepted with 204 and no
body, the documented scopes select the right principals, and ``$batch`` carries the routes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from pim_gitops.emulator.app import Emulator
from pim_gitops.emulator.server import running
from pim_gitops.snapshot import FORMAT
from pim_gitops.tenantgen import role_definition, user
from tests.test_emulator_groups_conformance import missing

DATA = Path(__file__).parent / "data" / "access-reviews"
PATH = "identityGovernance/accessReviews/definitions"
USER_ADMIN = "fe930be7-5e62-47db-91af-98c3a49a38b1"
ADELE = "ad20a697-7be8-410a-bb08-207a21e6400d"
HELPDESK = "df434df5-5b8e-4044-9fa3-ac9d6ea45156"
#: The tutorial's instance started on its creation day (2024-03-25, instances list).
DOCS_NOW = datetime(2024, 3, 25, 9, 38, 15, tzinfo=UTC)


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / name).read_text(encoding="utf-8"))
    return data


def docs_tenant() -> dict[str, Any]:
    adele = user("AdeleV@contoso.com", "Adele Vance") | {"id": ADELE}
    group = {
        "@odata.type": "#microsoft.graph.group",
        "id": HELPDESK,
        "displayName": "User Administrators",
        "isAssignableToRole": True,
    }
    rows = [
        {"id": f"as-{p[:8]}", "principalId": p, "roleDefinitionId": USER_ADMIN}
        | {"directoryScopeId": "/", "assignmentType": "Assigned"}
        for p in (ADELE, HELPDESK)
    ]
    return {
        "format": FORMAT,
        "tenantId": "2f3b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
        "roleDefinitions": [role_definition(USER_ADMIN, "User Administrator")],
        "directoryObjects": [adele, group],
        "roleAssignmentSchedules": rows,
    }


@pytest.fixture
def docs() -> Iterator[httpx.Client]:
    emulator = Emulator(docs_tenant(), clock=lambda: DOCS_NOW)
    with (
        running(emulator) as url,
        httpx.Client(base_url=url + "/v1.0", headers={"Authorization": "Bearer docs"}) as client,
    ):
        yield client


def test_every_payload_names_its_source() -> None:
    files = sorted(DATA.glob("*.json"))
    assert len(files) >= 6
    for path in files:
        source = load(path.name)["_source"]
        assert source.startswith("https://github.com/microsoftgraph/microsoft-graph-docs-contrib/")


def _create(docs: httpx.Client, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    sample = load(name)
    reply = docs.post(PATH, json=sample["request"]["body"])
    assert reply.status_code == sample["response"]["status"], reply.text
    return sample, reply.json()


@pytest.mark.parametrize("name", ["create-role-review.json", "create-group-review.json"])
def test_the_documented_creates_answer_the_documented_shape(docs: httpx.Client, name: str) -> None:
    sample, created = _create(docs, name)
    assert missing(sample["response"]["body"], created) == []
    read = docs.get(f"{PATH}/{created['id']}").json()
    assert missing(sample["response"]["body"], read) == []
    assert (
        read["settings"]["recurrence"]["range"]["startDate"]
        == (sample["response"]["body"]["settings"]["recurrence"]["range"]["startDate"])
    )


def test_the_documented_role_review_lists_its_instance_and_decisions(docs: httpx.Client) -> None:
    _, created = _create(docs, "create-role-review.json")
    instances = docs.get(f"{PATH}/{created['id']}/instances").json()
    documented = load("list-role-review-instances.json")["response"]["body"]
    assert missing(documented, instances) == []
    assert instances["@odata.count"] == len(instances["value"]) == 2
    running_ = [i for i in instances["value"] if i["status"] == "InProgress"]
    assert [i["startDateTime"] for i in running_] == ["2024-03-25T09:38:15Z"]
    assert running_[0]["endDateTime"] == "2024-03-26T09:38:15Z"
    decisions = docs.get(f"{PATH}/{created['id']}/instances/{running_[0]['id']}/decisions")
    shown = decisions.json()["value"]
    documented_list = load("list-role-review-decisions.json")["response"]["body"]
    outer = {k: v for k, v in documented_list.items() if k != "value"}
    assert missing(outer, decisions.json()) == []
    documented_items = documented_list["value"]
    by_principal = {d["principal"]["id"]: d for d in shown}
    assert sorted(by_principal) == sorted([ADELE, HELPDESK])
    for item in documented_items:
        ours = by_principal[item["principal"]["id"]]
        assert missing(item, ours) == []
        assert ours["principal"]["type"] == item["principal"]["type"]
        assert ours["resource"] == item["resource"]
        assert ours["decision"] == "NotReviewed" and ours["accessReviewId"] == running_[0]["id"]
    undecided = docs.get(
        f"{PATH}/{created['id']}/instances/{running_[0]['id']}/decisions",
        params={"$filter": "decision eq 'NotReviewed'", "$top": "1"},
    ).json()
    assert undecided["@odata.count"] == 2 and len(undecided["value"]) == 1


def test_the_documented_put_is_accepted_with_no_body(docs: httpx.Client) -> None:
    sample = load("update-definition.json")
    put = sample["request"]["body"]
    created = docs.post(PATH, json={k: v for k, v in put.items() if k != "id"}).json()
    reply = docs.put(f"{PATH}/{created['id']}", json=put | {"id": created["id"]})
    assert reply.status_code == sample["response"]["status"] and reply.content == b""
    assert docs.get(f"{PATH}/{created['id']}").json()["displayName"] == put["displayName"]


@pytest.mark.parametrize(("key", "expected"), [("all", [ADELE, HELPDESK]), ("active", [ADELE])])
def test_the_documented_role_scopes_select_their_principals(
    docs: httpx.Client, key: str, expected: list[str]
) -> None:
    scope = dict(load("role-scopes.json")[key])
    scope["query"] = scope["query"].replace("{role ID}", USER_ADMIN)
    body = load("create-role-review.json")["request"]["body"] | {"scope": scope}
    created = docs.post(PATH, json=body).json()
    rows = docs.get(f"{PATH}/{created['id']}/instances").json()["value"]
    (instance,) = [r for r in rows if r["status"] == "InProgress"]
    decisions = docs.get(f"{PATH}/{created['id']}/instances/{instance['id']}/decisions")
    assert sorted(d["principal"]["id"] for d in decisions.json()["value"]) == expected


def test_batch_carries_the_review_routes(docs: httpx.Client) -> None:
    _, created = _create(docs, "create-role-review.json")
    headers = {"Content-Type": "application/json"}
    requests = [
        {"id": "1", "method": "GET", "url": f"/{PATH}"},
        {"id": "2", "method": "GET", "url": f"/{PATH}/{created['id']}/instances"},
        {"id": "3", "method": "GET", "url": f"/{PATH}/{'0' * 8}-0000-0000-0000-{'0' * 12}"},
        {"id": "4", "method": "DELETE", "url": f"/{PATH}/{created['id']}", "headers": headers},
    ]
    requests[3].pop("headers")
    reply = docs.post("$batch", json={"requests": requests[:3]})
    statuses = {r["id"]: r["status"] for r in reply.json()["responses"]}
    assert statuses == {"1": 200, "2": 200, "3": 404}
    gone = docs.post("$batch", json={"requests": [requests[3]]}).json()["responses"]
    assert gone[0]["status"] == 204
    assert docs.get(f"{PATH}/{created['id']}").status_code == 404
