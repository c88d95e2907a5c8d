"""The real msgraph-sdk pipeline over HTTP against the emulator: reading, paging, throttling,
errors, request counts, and where credentials may go."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bench.run import lower_bound
from pim_gitops.cli import cli
from pim_gitops.emulator.app import Emulator
from pim_gitops.emulator.server import running
from pim_gitops.errors import GraphAuthError, GraphError, GraphThrottledError
from pim_gitops.graph.clouds import (
    LOCAL_TOKEN,
    github_oidc_assertion,
    resolve_endpoint,
)
from pim_gitops.graph.reader import fetch_snapshot
from pim_gitops.graph.retry import RetryPolicy, parse_retry_after
from pim_gitops.graph.session import open_graph
from pim_gitops.graph.transport import StaticTokenProvider, UncertainWriteError
from pim_gitops.normalize import normalize_tenant
from pim_gitops.snapshot import COLLECTIONS, canonical_snapshot
from pim_gitops.snapshot import read_snapshot as read_file
from pim_gitops.tenantgen import SAMPLE_NOW, synthetic_tenant
from tests.conftest import Live


class FakeSleep:
    """Records waits instead of waiting: the suite never really sleeps."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def read(url: str, **kw: Any) -> tuple[dict[str, Any], int]:
    async def go() -> tuple[dict[str, Any], int]:
        async with open_graph(url, **kw) as transport:
            data = await fetch_snapshot(transport, now=SAMPLE_NOW)
            return data, transport.requests

    return asyncio.run(go())


def same_collections(a: dict[str, Any], b: dict[str, Any]) -> None:
    # As snapshots compare: canonical (a group policy the emulator makes on first use keeps
    # Graph's rule order in its own snapshot).
    a, b = canonical_snapshot(a), canonical_snapshot(b)
    for name in COLLECTIONS:
        if name == "directoryObjects":
            continue
        assert a[name] == b[name], name


def test_snapshot_command_reads_the_tenant_through_msgraph(live: Live, tmp_path: Path) -> None:
    out = tmp_path / "tenant.json"
    result = CliRunner().invoke(
        cli,
        ["--now", "2026-11-24T09:00:00Z", "--graph-url", live.url, "snapshot", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    data = read_file(out)
    served = live.snapshot()
    same_collections(data, served)
    assert data["tenantId"] == served["tenantId"]
    assert data["organization"]["verifiedDomains"][0]["name"] == "contoso.onmicrosoft.com"
    # Principals come back with the properties lint needs.
    by_id = {o["id"]: o for o in data["directoryObjects"]}
    bg1 = next(o for o in by_id.values() if o.get("userPrincipalName", "").startswith("bg1@"))
    assert {"userType", "onPremisesSyncEnabled", "accountEnabled"} <= set(bg1)
    helpdesk = next(o for o in by_id.values() if o.get("displayName") == "Helpdesk Operators")
    assert helpdesk["isAssignableToRole"] is True
    assert len(data["groupMembers"][helpdesk["id"]]) == 7
    # Deterministic: a second snapshot is byte-identical.
    again = tmp_path / "again.json"
    CliRunner().invoke(
        cli,
        ["--now", "2026-11-24T09:00:00Z", "--graph-url", live.url, "snapshot", "--out", str(again)],
    )
    assert again.read_bytes() == out.read_bytes()


def test_every_page_is_followed(live: Live) -> None:
    live.emulator.page_size = 3
    live.emulator.max_top = 3  # a server whose pages stay small whatever $top asks
    data, requests = read(live.url)
    same_collections(data, live.snapshot())
    routes = live.stats()["by_route"]
    assert routes["GET roleManagement/directory/roleEligibilitySchedules"] > 1
    assert routes["GET policies/roleManagementPolicies"] > 1
    assert requests == live.stats()["requests"]


def test_top_is_asked_for_and_dropped_where_refused(live: Live) -> None:
    live.emulator.page_size = 5
    expected, fewer = read(live.url)
    live.emulator.max_top = 0  # every collection refuses $top with a 400
    data, more = read(live.url)
    same_collections(data, expected)
    assert data["directoryObjects"] == expected["directoryObjects"]
    assert more > fewer  # small pages, plus one refused request per collection


def test_throttling_is_retried_with_retry_after(live: Live) -> None:
    live.emulator.page_size = 5
    expected, _ = read(live.url)
    live.faults(throttle_rate=0.3, seed=11, retry_after_max=2.5)
    sleep = FakeSleep()
    data, _ = read(live.url, sleep=sleep, retry=RetryPolicy(max_attempts=20))
    same_collections(data, expected)
    assert data["directoryObjects"] == expected["directoryObjects"]
    assert sleep.waits and max(sleep.waits) <= 2.5
    assert any(w != int(w) for w in sleep.waits), "fractional Retry-After must be honoured"


def test_server_errors_and_resets_on_reads_are_retried(live: Live) -> None:
    expected, _ = read(live.url)
    live.faults(error_rate=0.2, reset_rate=0.1, seed=4)
    data, _ = read(live.url, sleep=FakeSleep(), retry=RetryPolicy(max_attempts=20))
    same_collections(data, expected)


def test_retry_budget_is_capped(live: Live) -> None:
    live.faults(throttle_rate=1.0)
    sleep = FakeSleep()

    async def go() -> None:
        async with open_graph(live.url, sleep=sleep, retry=RetryPolicy(max_attempts=4)) as t:
            await t.get_json("roleManagement/directory/roleDefinitions")

    with pytest.raises(GraphThrottledError) as info:
        asyncio.run(go())
    assert len(sleep.waits) == 3 and live.stats()["requests"] == 4
    assert info.value.code == "TooManyRequests" and info.value.request_id
    assert "gave up after 4 attempts of this request" in str(info.value)


def test_retry_budget_is_shared_by_the_requests_of_a_session(live: Live) -> None:
    live.faults(throttle_rate=1.0)
    sleep = FakeSleep()
    retry = RetryPolicy(max_attempts=4, max_retries=5)

    async def go() -> list[GraphError]:
        errors = []
        async with open_graph(live.url, sleep=sleep, retry=retry) as t:
            for _ in range(3):
                with pytest.raises(GraphThrottledError) as info:
                    await t.get_json("roleManagement/directory/roleDefinitions")
                errors.append(info.value)
        return errors

    first, second, third = asyncio.run(go())
    # 4 sends (3 retries), then 3 sends (the 2 retries left), then 1 send.
    assert live.stats()["requests"] == 4 + 3 + 1 and len(sleep.waits) == 5
    assert "gave up after 4 attempts" in str(first)
    for error in (second, third):
        assert "retry budget exhausted (5 retries / 900 s)" in str(error) and error.request_id


def test_graph_errors_name_object_code_and_request_id(live: Live) -> None:
    async def go() -> None:
        async with open_graph(live.url) as transport:
            await transport.get_json(
                "roleManagement/directory/roleDefinitions/nope", target="role nope"
            )

    with pytest.raises(GraphError) as info:
        asyncio.run(go())
    error = info.value
    assert error.status == 404 and error.code == "ResourceNotFound"
    assert error.request_id and error.target == "role nope"
    text = str(error)
    assert "role nope" in text and "ResourceNotFound" in text and error.request_id in text
    assert LOCAL_TOKEN not in text


def test_uncertain_write_is_not_resent(live: Live) -> None:
    live.faults(error_rate=1.0, seed=1)
    body = {
        "action": "adminAssign",
        "principalId": "x",
        "roleDefinitionId": "y",
        "directoryScopeId": "/",
    }

    async def go() -> None:
        async with open_graph(live.url, sleep=FakeSleep()) as transport:
            await transport.send(
                "POST",
                "roleManagement/directory/roleAssignmentScheduleRequests",
                body=body,
                target="role y, principal x",
            )

    with pytest.raises(UncertainWriteError):
        asyncio.run(go())
    assert live.stats()["requests"] == 1


def test_throttled_post_is_resent(live: Live) -> None:
    live.faults(throttle_rate=0.7, seed=4)  # throttled three times, then through
    sleep = FakeSleep()
    body = {
        "action": "adminRemove",
        "principalId": "x",
        "roleDefinitionId": "y",
        "directoryScopeId": "/",
    }

    async def go() -> None:
        async with open_graph(live.url, sleep=sleep, retry=RetryPolicy(max_attempts=30)) as t:
            await t.send(
                "POST",
                "roleManagement/directory/roleAssignmentScheduleRequests",
                body=body,
                target="t",
            )

    with pytest.raises(GraphError) as info:  # 400 RoleNotFound once it gets through
        asyncio.run(go())
    assert info.value.code == "RoleNotFound"
    assert len(sleep.waits) == 3 and live.stats()["requests"] == 4


def test_html_error_page_is_a_clear_error(live: Live) -> None:
    from pim_gitops.graph.transport import GraphResponse, error_from

    response = GraphResponse(502, {}, "non-JSON response (text/html): <html>Bad gateway", None)
    error = error_from(response, "GET", "https://graph.microsoft.com/v1.0/x", "role X")
    assert "text/html" in str(error) and "role X" in str(error)


@pytest.fixture(scope="module")
def big() -> Iterator[tuple[Emulator, str, dict[str, Any]]]:
    snapshot = synthetic_tenant(
        roles=130, assignments=2000, principals=1500, now=datetime(2026, 11, 1, tzinfo=UTC)
    )
    emulator = Emulator(snapshot, clock=lambda: SAMPLE_NOW)
    with running(emulator) as url:
        yield emulator, url, snapshot


def test_requests_grow_with_pages_not_roles(big: tuple[Emulator, str, dict[str, Any]]) -> None:
    emulator, url, snapshot = big
    emulator.stats.reset()
    data, requests = read(url)
    page = min(emulator.max_top, 999)  # the reader asks for pages of 999 with $top
    bound = lower_bound(snapshot, len(data["directoryObjects"]), page)
    assert requests == emulator.stats.as_dict()["requests"]
    assert requests <= 2 * bound
    assert requests < 130, "never one request per role"
    state = normalize_tenant(data, SAMPLE_NOW)
    assert len(state.roles) == 130


# --- where credentials go ------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["https://evil.example.com", "http://graph.microsoft.com", "http://10.0.0.5:8765"]
)
def test_real_tokens_only_go_to_graph_hosts(url: str) -> None:
    with pytest.raises(GraphAuthError):
        resolve_endpoint(url)


@pytest.mark.parametrize(
    ("url", "authority", "scope"),
    [
        (None, "login.microsoftonline.com", "https://graph.microsoft.com/.default"),
        (
            "https://graph.microsoft.us",
            "login.microsoftonline.us",
            "https://graph.microsoft.us/.default",
        ),
        (
            "https://microsoftgraph.chinacloudapi.cn/",
            "login.chinacloudapi.cn",
            "https://microsoftgraph.chinacloudapi.cn/.default",
        ),
    ],
)
def test_national_clouds_use_their_authority_and_scope(
    url: str | None, authority: str, scope: str
) -> None:
    endpoint = resolve_endpoint(url)
    assert endpoint.cloud is not None and endpoint.cloud.authority_host == authority
    assert endpoint.scope == scope and endpoint.base_url.endswith("/v1.0")


def test_loopback_gets_the_local_token_only() -> None:
    endpoint = resolve_endpoint("http://127.0.0.1:8765")
    assert endpoint.cloud is None
    provider = StaticTokenProvider(endpoint.host)
    assert (
        asyncio.run(provider.get_authorization_token("http://127.0.0.1:8765/v1.0/x")) == LOCAL_TOKEN
    )
    assert asyncio.run(provider.get_authorization_token("https://graph.microsoft.com/v1.0")) == ""


def test_github_oidc_token_is_fetched_fresh_on_every_call(monkeypatch: Any) -> None:
    monkeypatch.setenv("ACTIONS_ID_TOKEN_REQUEST_URL", "https://token.actions.example/x")
    monkeypatch.setenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "runner-token")
    calls: list[tuple[str, str]] = []

    def fetch(url: str, bearer: str) -> str:
        calls.append((url, bearer))
        return f"oidc-{len(calls)}"

    assertion = github_oidc_assertion(fetch)
    assert [assertion(), assertion()] == ["oidc-1", "oidc-2"]
    assert calls[0] == ("https://token.actions.example/x", "runner-token")


def test_retry_after_parsing() -> None:
    assert parse_retry_after("2.128") == pytest.approx(2.128)
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") is None
    assert parse_retry_after("-1") is None
    assert parse_retry_after("nan") is None and parse_retry_after("soon") is None
    assert parse_retry_after("inf") == float("inf")  # kept: the budget caps it


def test_snapshot_file_holds_no_token(live: Live, tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    CliRunner().invoke(cli, ["--graph-url", live.url, "snapshot", "--out", str(out)])
    assert LOCAL_TOKEN not in out.read_text() and "Bearer" not in json.dumps(read_file(out))
