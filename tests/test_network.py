"""Trust nothing the network says (issue 18): redirects, next links, Retry-After, deadlines,
sizes, malformed answers, credential and TLS failures, one token per command.

Fake servers are httpx ``MockTransport`` handlers under the real msgraph pipeline
(``build_adapter(..., http=...)``), a fake azure-core transport as the token endpoint, and
small starlette apps on loopback ports for the CLI. Loops and times are bounded: every test
ends after a handful of requests or well under a second of real time."""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from pim_gitops.cli import cli
from pim_gitops.emulator.server import running
from pim_gitops.errors import GraphAuthError, GraphError
from pim_gitops.graph.batch import BatchItem, send_batched
from pim_gitops.graph.clouds import resolve_endpoint
from pim_gitops.graph.credentials import SharedToken
from pim_gitops.graph.envelopes import GraphResponse, MalformedAnswerError
from pim_gitops.graph.limits import NetworkLimits, limits_from_env, retry_from_env
from pim_gitops.graph.reader import fetch_snapshot, get_by_ids
from pim_gitops.graph.retry import RetryBudget, RetryPolicy
from pim_gitops.graph.session import open_graph
from pim_gitops.graph.transport import GraphTransport, UncertainWriteError, build_adapter
from pim_gitops.tenantgen import SAMPLE_NOW
from tests.conftest import POLICIES, Live
from tests.test_apply import remaining_plan
from tests.test_retry import FakeClock

ROLES = "roleManagement/directory/roleDefinitions"
LOCAL = "http://127.0.0.1:9"


class Fake:
    """A fake Graph: ``answer(n, request)`` answers request n; every request is recorded."""

    def __init__(self, answer: Callable[[int, httpx.Request], httpx.Response]) -> None:
        self.answer = answer
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        response = self.answer(len(self.seen), request)
        response.headers.setdefault("request-id", f"req-{len(self.seen)}")
        return response

    @property
    def origins(self) -> set[str]:
        return {f"{r.url.scheme}://{r.url.host}:{r.url.port}" for r in self.seen}


def transport_for(
    fake: Any,
    *,
    url: str = LOCAL,
    credential: Any = None,
    clock: FakeClock | None = None,
    **caps: Any,
) -> GraphTransport:
    endpoint = resolve_endpoint(url)
    limits = NetworkLimits(**caps)
    clock = clock or FakeClock()
    adapter = build_adapter(endpoint, credential, limits=limits, http=httpx.MockTransport(fake))
    return GraphTransport(
        adapter,
        endpoint.base_url,
        budget=RetryBudget(RetryPolicy(max_attempts=3), clock=clock),
        limits=limits,
        sleep=clock.sleep,
        clock=clock,
        credential="ClientSecretCredential" if credential else "the local token",
        tenant="tenant-1" if credential else None,
    )


def run(transport: GraphTransport, coro: Any) -> Any:
    async def go() -> Any:
        try:
            return await coro
        finally:
            await transport.close()

    return asyncio.run(go())


def page(value: list[Any], next_link: str | None = None) -> httpx.Response:
    body: dict[str, Any] = {"value": value}
    if next_link:
        body["@odata.nextLink"] = next_link
    return httpx.Response(200, json=body)


# --- redirects ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_an_error_naming_its_host_and_is_not_followed(status: int) -> None:
    fake = Fake(lambda n, r: httpx.Response(status, headers={"Location": "http://evil.test:81/x"}))
    t = transport_for(fake)
    with pytest.raises(GraphError) as info:
        run(t, t.get_json(ROLES))
    assert "redirect to host evil.test:81" in str(info.value) and "never followed" in str(
        info.value
    )
    assert info.value.status == status and info.value.request_id == "req-1"
    assert len(fake.seen) == 1 and fake.origins == {"http://127.0.0.1:9"}


def test_a_redirected_batch_write_is_not_re_sent_anywhere() -> None:
    fake = Fake(
        lambda n, r: httpx.Response(307, headers={"Location": "http://127.0.0.1:10/v1.0/$batch"})
    )
    t = transport_for(fake)
    items = [BatchItem("k", "PATCH", "/x/1", {"v": 1}, "object 1")]
    outcome = run(t, send_batched(t, items))["k"]
    assert isinstance(outcome, GraphError) and "redirect to host 127.0.0.1:10" in str(outcome)
    assert len(fake.seen) == 1 and fake.origins == {"http://127.0.0.1:9"}


# --- next links -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "link",
    [
        "http://127.0.0.1:10/v1.0/next",  # another port
        "https://127.0.0.1:9/v1.0/next",  # another scheme
        "http://localhost:9/v1.0/next",  # another host name
        "http://127.0.0.1/v1.0/next",  # the default port is not port 9
    ],
)
def test_a_next_link_to_another_origin_is_refused(link: str) -> None:
    fake = Fake(lambda n, r: page([{"id": "a"}], link))
    t = transport_for(fake)
    with pytest.raises(GraphError) as info:
        run(t, t.get_all(ROLES, target="role definitions"))
    assert "refusing to follow @odata.nextLink to another server" in str(info.value)
    assert info.value.target == "role definitions"
    assert len(fake.seen) == 1 and fake.origins == {"http://127.0.0.1:9"}


def test_a_next_link_on_the_same_origin_is_followed() -> None:
    fake = Fake(lambda n, r: page([{"id": str(n)}], LOCAL + f"/v1.0/next?p={n}" if n < 3 else None))
    t = transport_for(fake)
    assert run(t, t.get_all(ROLES)) == [{"id": "1"}, {"id": "2"}, {"id": "3"}]
    assert [r.url.params.get("p") for r in fake.seen] == [None, "1", "2"]


def test_a_repeated_next_link_is_a_loop_and_stops() -> None:
    fake = Fake(lambda n, r: page([{"id": str(n)}], LOCAL + f"/v1.0/next?p={n % 2}"))
    t = transport_for(fake)
    with pytest.raises(GraphError) as info:
        run(t, t.get_all(ROLES))
    assert "repeats a page already read (after 3 pages)" in str(info.value)
    assert len(fake.seen) == 3


@pytest.mark.parametrize(("pages", "ok"), [(3, True), (4, False)])
def test_pages_per_collection_are_capped(pages: int, ok: bool) -> None:
    fake = Fake(
        lambda n, r: page([{"id": str(n)}], LOCAL + f"/v1.0/next?p={n}" if n < pages else None)
    )
    t = transport_for(fake, max_pages=3)
    if ok:
        assert len(run(t, t.get_all(ROLES))) == 3
        return
    with pytest.raises(GraphError) as info:
        run(t, t.get_all(ROLES))
    assert "more than 3 pages" in str(info.value) and "PIM_GITOPS_MAX_PAGES" in str(info.value)
    assert len(fake.seen) == 3


# --- malformed answers ----------------------------------------------------------------------

HTML = "<html><body>Bad gateway</body></html>"


def html(status: int = 200) -> httpx.Response:
    return httpx.Response(status, text=HTML, headers={"Content-Type": "text/html"})


@pytest.mark.parametrize(
    "answer",
    [
        lambda: httpx.Response(200, json={"value": [{"id": "a"}, None]}),
        lambda: httpx.Response(200, json={"value": None}),
        lambda: httpx.Response(200, json=["x"]),
        lambda: httpx.Response(200, json={"value": ["x"]}),
        lambda: httpx.Response(200, json={"value": [], "@odata.nextLink": 5}),
        lambda: httpx.Response(200, json=None),
        html,
    ],
)
def test_a_malformed_collection_is_an_error_with_object_status_and_request_id(
    answer: Callable[[], httpx.Response],
) -> None:
    fake = Fake(lambda n, r: answer())
    t = transport_for(fake)
    with pytest.raises(MalformedAnswerError) as info:
        run(t, t.get_all(ROLES, target="role definitions"))
    error = info.value
    assert str(error).startswith("malformed answer from Graph: expected a collection")
    assert (
        error.status == 200 and error.request_id == "req-1" and error.target == "role definitions"
    )


@pytest.mark.parametrize(
    "answer",
    [
        html,
        lambda: httpx.Response(200, json={"value": None}),
        lambda: httpx.Response(200, json=["x"]),
    ],
)
def test_a_malformed_get_by_ids_answer_is_an_error(answer: Callable[[], httpx.Response]) -> None:
    fake = Fake(lambda n, r: answer())
    t = transport_for(fake)
    with pytest.raises(MalformedAnswerError) as info:
        run(t, get_by_ids(t, ["a"], "id", "1 principals"))
    assert info.value.method == "POST" and "getByIds" in info.value.url
    assert info.value.status == 200 and info.value.request_id == "req-1"
    assert info.value.target == "1 principals"


def test_a_non_object_where_an_object_is_expected_is_an_error() -> None:
    fake = Fake(lambda n, r: html())
    t = transport_for(fake)
    with pytest.raises(MalformedAnswerError, match="expected a JSON object"):
        run(t, t.get_json("directoryObjects/x", target="x"))


def _batch(mangle: Callable[[list[dict[str, Any]]], Any]) -> Callable[..., httpx.Response]:
    def answer(n: int, request: httpx.Request) -> httpx.Response:
        requests = json.loads(request.content)["requests"]
        good = [
            {"id": r["id"], "status": 204, "headers": {"request-id": f"in-{r['id']}"}}
            for r in requests
        ]
        body = mangle(good)
        if isinstance(body, str):
            return httpx.Response(200, text=body, headers={"Content-Type": "text/html"})
        return httpx.Response(200, json=body)

    return answer


def _items(n: int) -> list[BatchItem]:
    return [BatchItem(f"k{i}", "PATCH", f"/x/{i}", {"v": i}, f"object {i}") for i in range(n)]


@pytest.mark.parametrize(
    "mangle",
    [
        lambda good: {"responses": None},
        lambda good: good,  # a list, not an object
        lambda good: HTML,
        lambda good: {"value": []},
        lambda good: None,
    ],
)
def test_a_malformed_batch_envelope_fails_every_item_without_raising(mangle: Any) -> None:
    fake = Fake(_batch(mangle))
    t = transport_for(fake)
    results = run(t, send_batched(t, _items(2)))
    for key in ("k0", "k1"):
        outcome = results[key]
        assert isinstance(outcome, MalformedAnswerError)
        assert "expected a $batch answer" in str(outcome)
        assert outcome.status == 200 and outcome.request_id == "req-1" and outcome.code is None
    assert len(fake.seen) == 1


@pytest.mark.parametrize(
    ("mangle", "problem"),
    [
        (lambda good: {"responses": [{**good[0], "status": "201x"}, good[1]]}, "status"),
        (lambda good: {"responses": [{**good[0], "status": "204"}, good[1]]}, "status"),
        (lambda good: {"responses": [{**good[0], "headers": "request-id: x"}, good[1]]}, "headers"),
        (lambda good: {"responses": [None, good[1]]}, "no response for this request"),
        (lambda good: {"responses": [good[1]]}, "no response for this request"),
    ],
)
def test_a_malformed_batch_item_fails_only_that_item(mangle: Any, problem: str) -> None:
    fake = Fake(_batch(mangle))
    t = transport_for(fake)
    results = run(t, send_batched(t, _items(2)))
    bad, good = results["k0"], results["k1"]
    assert isinstance(bad, MalformedAnswerError) and problem in str(bad)
    assert bad.target == "object 0" and bad.status == 200 and bad.request_id == "req-1"
    assert "may or may not have been applied" in str(bad)
    assert isinstance(good, GraphResponse) and good.status == 204 and good.request_id == "in-2"


@pytest.mark.parametrize("header", ["inf", "100000"])
def test_retry_after_inside_a_batch_is_capped(header: str) -> None:
    def answer(n: int, request: httpx.Request) -> httpx.Response:
        status = 429 if n == 1 else 204
        headers = {"Retry-After": header} if n == 1 else {}
        return httpx.Response(
            200, json={"responses": [{"id": "1", "status": status, "headers": headers}]}
        )

    clock = FakeClock()
    fake = Fake(answer)
    t = transport_for(fake, clock=clock)
    t.budget = RetryBudget(RetryPolicy(max_wait_s=7), clock=clock)
    outcome = run(t, send_batched(t, _items(1)))["k0"]
    assert isinstance(outcome, GraphResponse) and outcome.status == 204
    assert clock.waits == [7.0] and len(fake.seen) == 2


# --- deadlines and sizes --------------------------------------------------------------------


class Drip(httpx.AsyncByteStream):
    """One byte every 50 ms, for at most 200 bytes (10 s): a server that never stops."""

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(200):
            await asyncio.sleep(0.05)
            yield b" "


async def dripping(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, headers={"Content-Type": "application/json"}, stream=Drip())


@pytest.mark.parametrize(("method", "error"), [("GET", GraphError), ("POST", UncertainWriteError)])
def test_a_slow_drip_stops_at_the_request_deadline(method: str, error: type) -> None:
    t = transport_for(dripping, request_timeout_s=0.3)
    with pytest.raises(error) as info:
        run(t, t.send(method, ROLES, body={} if method == "POST" else None))
    assert (
        "within the request deadline of 0.3 s (request_timeout_s (PIM_GITOPS_REQUEST_TIMEOUT))"
        in str(info.value)
    )
    assert t.requests == 1  # a deadline is not retried


def test_no_request_starts_after_the_command_deadline() -> None:
    clock = FakeClock()
    fake = Fake(lambda n, r: page([]))
    t = transport_for(fake, clock=clock, command_timeout_s=10)

    async def two() -> None:
        await t.get_all(ROLES)
        clock.now = 10.5
        await t.get_all(ROLES)

    with pytest.raises(GraphError) as info:
        run(t, two())
    assert "ran past its deadline of 10 s" in str(info.value)
    assert "PIM_GITOPS_COMMAND_TIMEOUT" in str(info.value) and len(fake.seen) == 1


@pytest.mark.parametrize(("size", "ok"), [(1000, True), (1001, False)])
def test_a_response_body_is_capped(size: int, ok: bool) -> None:
    prefix = b'{"value": []'
    body = prefix + b" " * (size - len(prefix) - 1) + b"}"
    assert len(body) == size
    t = transport_for(Fake(lambda n, r: httpx.Response(200, content=body)), max_response_bytes=1000)
    if ok:
        assert run(t, t.get_all(ROLES)) == []
        return
    with pytest.raises(GraphError, match=r"larger than 1000 bytes.*PIM_GITOPS_MAX_RESPONSE_BYTES"):
        run(t, t.get_all(ROLES))


def test_a_compressed_body_is_capped_after_decompression() -> None:
    bomb = gzip.compress(b'{"value": [], "pad": "' + b"0" * 5_000_000 + b'"}')
    assert len(bomb) < 10_000
    answer = httpx.Response(200, content=bomb, headers={"Content-Encoding": "gzip"})
    t = transport_for(Fake(lambda n, r: answer), max_response_bytes=100_000)
    with pytest.raises(GraphError, match="larger than 100000 bytes"):
        run(t, t.get_all(ROLES))


def test_a_small_compressed_body_is_read() -> None:
    small = gzip.compress(json.dumps({"value": [{"id": "a"}]}).encode())
    answer = httpx.Response(200, content=small, headers={"Content-Encoding": "gzip"})
    t = transport_for(Fake(lambda n, r: answer))
    assert run(t, t.get_all(ROLES)) == [{"id": "a"}]


# --- configuration --------------------------------------------------------------------------


def test_caps_come_from_the_environment() -> None:
    env = {
        "PIM_GITOPS_MAX_PAGES": "5",
        "PIM_GITOPS_REQUEST_TIMEOUT": "2.5",
        "PIM_GITOPS_MAX_RESPONSE_BYTES": "4096",
        "PIM_GITOPS_MAX_RETRY_WAIT": "3",
        "PIM_GITOPS_RETRY_DEADLINE": "30",
    }
    limits = limits_from_env(env)
    assert (limits.max_pages, limits.request_timeout_s, limits.max_response_bytes) == (5, 2.5, 4096)
    assert limits.command_timeout_s == NetworkLimits().command_timeout_s
    retry = retry_from_env(env)
    assert (retry.max_wait_s, retry.max_wall_s) == (3.0, 30.0)

    async def opened() -> tuple[NetworkLimits, RetryPolicy]:
        async with open_graph(
            LOCAL, environ=env, http=httpx.MockTransport(Fake(lambda n, r: page([])))
        ) as t:
            return t.limits, t.budget.policy

    assert asyncio.run(opened()) == (limits, retry)


@pytest.mark.parametrize("raw", ["0", "-1", "x", "inf", "1.5"])
def test_a_bad_cap_in_the_environment_names_the_variable(raw: str) -> None:
    with pytest.raises(
        GraphError, match=f"PIM_GITOPS_MAX_PAGES must be a positive whole number, not '{raw}'"
    ):
        limits_from_env({"PIM_GITOPS_MAX_PAGES": raw})


# --- credentials and TLS --------------------------------------------------------------------


class TokenEndpoint:
    """A fake Entra token endpoint (an azure-core transport): counts token requests."""

    def __init__(self, status: int = 200, body: dict[str, Any] | None = None) -> None:
        from azure.core.pipeline.transport import AsyncHttpTransport

        self.calls: list[str] = []
        self.status = status
        self.body = body or {"token_type": "Bearer", "expires_in": 3600, "access_token": "tok"}
        outer = self

        class Transport(AsyncHttpTransport):  # type: ignore[misc]
            async def send(self, request: Any, **kw: Any) -> Any:
                outer.calls.append(request.url)
                await asyncio.sleep(0.01)  # let concurrent requests pile up
                return outer.response(request)

            async def open(self) -> None: ...

            async def close(self) -> None: ...

            async def __aenter__(self) -> Any:
                return self

            async def __aexit__(self, *args: Any) -> None: ...

        self.transport = Transport()

    def response(self, request: Any) -> Any:
        from azure.core.pipeline.transport import AsyncHttpResponse

        class Answer(AsyncHttpResponse):  # type: ignore[misc]
            def body(self) -> bytes:
                return self._data  # type: ignore[no-any-return]

        answer = Answer(request, None)
        answer.status_code = self.status
        answer.headers = {"Content-Type": "application/json"}
        answer.reason = "OK" if self.status == 200 else "Unauthorized"
        answer.content_type = "application/json"
        answer._data = json.dumps(self.body).encode()
        return answer

    def credential(self) -> Any:
        from azure.identity.aio import ClientSecretCredential

        return ClientSecretCredential("tenant-1", "client-1", "secret", transport=self.transport)


def _graph(n: int, request: httpx.Request) -> httpx.Response:
    assert request.headers["authorization"] == "Bearer tok"
    if request.url.path.endswith("organization"):
        return page([{"id": "tenant-1"}])
    return page([])


def test_one_token_request_per_command_shared_by_concurrent_requests() -> None:
    endpoint = TokenEndpoint()
    fake = Fake(_graph)

    async def go() -> int:
        credential = endpoint.credential()
        try:
            async with open_graph(
                "https://graph.microsoft.com",
                "tenant-1",
                credential=credential,
                http=httpx.MockTransport(fake),
            ) as t:
                await fetch_snapshot(t, now=SAMPLE_NOW)
                await t.access_token()
                return t.requests
        finally:
            await credential.close()

    requests = asyncio.run(go())
    assert requests == len(fake.seen) >= 7
    assert endpoint.calls == ["https://login.microsoftonline.com/tenant-1/oauth2/v2.0/token"]


def test_shared_token_is_renewed_before_it_expires() -> None:
    class Inner:
        calls = 0

        async def get_token(self, *scopes: str, **kw: Any) -> Any:
            from azure.core.credentials import AccessToken

            Inner.calls += 1
            return AccessToken(f"t{Inner.calls}", 1000)

    now = [0.0]
    shared = SharedToken(Inner(), clock=lambda: now[0])

    async def tokens() -> list[str]:
        out = []
        for at in (0.0, 699.0, 700.0):
            now[0] = at
            out.append((await shared.get_token("s")).token)
        return out

    assert asyncio.run(tokens()) == ["t1", "t1", "t2"]  # renewed 300 s before expiry
    assert shared.requests == 2


def test_invalid_client_names_the_credential_the_tenant_and_what_to_check() -> None:
    body = {
        "error": "invalid_client",
        "error_description": "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x",
    }
    endpoint = TokenEndpoint(401, body)
    credential = SharedToken(endpoint.credential())
    fake = Fake(_graph)
    t = transport_for(fake, url="https://graph.microsoft.com", credential=credential)
    with pytest.raises(GraphAuthError) as info:
        run(t, t.get_all(ROLES))
    message = str(info.value)
    assert "ClientSecretCredential for tenant tenant-1 could not get a token" in message
    assert "AADSTS7000215: Invalid client secret provided" in message
    assert "check the client secret or certificate" in message
    assert fake.seen == [] and len(endpoint.calls) == 1  # not retried, nothing sent to Graph


def test_a_downgrade_to_http_is_refused_in_words() -> None:
    endpoint = TokenEndpoint()
    t = transport_for(
        Fake(_graph),
        url="https://graph.microsoft.com",
        credential=SharedToken(endpoint.credential()),
    )
    with pytest.raises(GraphAuthError, match="over plain http"):
        run(t, t.get_json("http://graph.microsoft.com/v1.0/organization"))


def test_an_untrusted_certificate_is_named_and_not_retried() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")

    t = transport_for(refuse)
    with pytest.raises(GraphAuthError) as info:
        run(t, t.get_all(ROLES))
    assert "the TLS connection to 127.0.0.1 failed" in str(info.value)
    assert "SSL_CERT_FILE" in str(info.value) and t.requests == 1


# --- the CLI against hostile loopback servers -----------------------------------------------


class App:
    """A starlette app for ``running``: ``handle(request)`` answers every request."""

    def __init__(self, handle: Callable[[Request], Any]) -> None:
        self.hits: list[str] = []

        async def endpoint(request: Request) -> Response:
            self.hits.append(f"{request.method} {request.url.path}")
            result = handle(request)
            return await result if asyncio.iscoroutine(result) else result

        methods = ["GET", "POST", "PATCH", "PUT", "DELETE"]
        self.app = Starlette(routes=[Route("/{path:path}", endpoint, methods=methods)])


@contextmanager
def serving(handle: Callable[[Request], Any]) -> Iterator[tuple[App, str]]:
    app = App(handle)
    with running(app) as url:  # type: ignore[arg-type]
        yield app, url


@pytest.fixture
def bystander() -> Iterator[tuple[App, str]]:
    """A second loopback server that must never be reached."""
    with serving(lambda r: JSONResponse({"value": []})) as served:
        yield served


def snapshot_via(url: str, tmp_path: Any) -> Result:
    return CliRunner().invoke(
        cli,
        [
            "--now",
            "2026-11-24T09:00:00Z",
            "--graph-url",
            url,
            "snapshot",
            "--out",
            str(tmp_path / "t.json"),
        ],
    )


def tenant_with(odd: Callable[[Request], Response | None]) -> Callable[[Request], Response]:
    """An empty tenant, except where ``odd`` answers."""

    def handle(request: Request) -> Response:
        answer = odd(request)
        if answer is not None:
            return answer
        if request.url.path.endswith("/organization"):
            return JSONResponse({"value": [{"id": "tenant-1", "displayName": "T"}]})
        if request.url.path.startswith("/v1.0/"):
            return JSONResponse({"value": []})
        return JSONResponse({}, status_code=404)

    return handle


def clean_failure(result: Result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    return result.output


def test_cli_refuses_a_next_link_to_a_second_port(
    bystander: tuple[App, str], tmp_path: Any
) -> None:
    other, other_url = bystander

    def odd(request: Request) -> Response | None:
        if request.url.path.endswith("roleDefinitions"):
            return JSONResponse(
                {"value": [], "@odata.nextLink": other_url + "/v1.0/roleDefinitions?p=2"}
            )
        return None

    with serving(tenant_with(odd)) as (_, url):
        output = clean_failure(snapshot_via(url, tmp_path))
    assert "refusing to follow @odata.nextLink to another server" in output
    assert other.hits == [] and not (tmp_path / "t.json").exists()


def test_cli_refuses_a_redirect_to_a_second_port(bystander: tuple[App, str], tmp_path: Any) -> None:
    other, other_url = bystander
    port = other_url.rsplit(":", 1)[1]

    def odd(request: Request) -> Response | None:
        if request.url.path.endswith("roleAssignments"):
            return Response(status_code=307, headers={"Location": other_url + request.url.path})
        return None

    with serving(tenant_with(odd)) as (_, url):
        output = clean_failure(snapshot_via(url, tmp_path))
    assert f"redirect to host 127.0.0.1:{port}" in output and "status: 307" in output
    assert other.hits == []


def test_cli_stops_an_endless_next_link_chain(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIM_GITOPS_MAX_PAGES", "20")
    served: list[str] = []

    def odd(request: Request) -> Response | None:
        if "roleEligibilitySchedules" in request.url.path:
            served.append(request.url.path)
            n = len(served)
            return JSONResponse(
                {
                    "value": [],
                    "@odata.nextLink": f"{request.base_url}v1.0/roleEligibilitySchedules?p={n}",
                }
            )
        return None

    with serving(tenant_with(odd)) as (_, url):
        output = clean_failure(snapshot_via(url, tmp_path))
    assert "more than 20 pages" in output and "PIM_GITOPS_MAX_PAGES" in output
    assert len(served) == 20


def test_cli_stops_a_dripping_server_at_the_request_deadline(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIM_GITOPS_REQUEST_TIMEOUT", "0.5")

    async def drip() -> AsyncIterator[bytes]:
        for _ in range(30):  # at most 3 s, whatever the client does
            yield b" "
            await asyncio.sleep(0.1)

    def odd(request: Request) -> Response | None:
        if request.url.path.endswith("roleDefinitions"):
            return StreamingResponse(drip(), media_type="application/json")
        return None

    with serving(tenant_with(odd)) as (_, url):
        output = clean_failure(snapshot_via(url, tmp_path))
    assert "no complete answer from Graph within the request deadline of 0.5 s" in output
    assert "PIM_GITOPS_REQUEST_TIMEOUT" in output and "object: role definitions" in output


# --- apply: a failed read writes nothing; a malformed $batch answer converges ---------------


def proxy_to(
    live: Live, mangle: Callable[[Request, httpx.Response], Response | None]
) -> Callable[[Request], Any]:
    """Forwards every request to the emulator; ``mangle`` may replace its answer."""

    async def handle(request: Request) -> Response:
        async with httpx.AsyncClient(base_url=live.url, timeout=30) as client:
            answer = await client.request(
                request.method,
                request.url.path,
                params=request.url.query or None,
                content=await request.body(),
                headers={
                    k: v
                    for k, v in request.headers.items()
                    if k.lower() in ("authorization", "content-type")
                },
            )
        replaced = mangle(request, answer)
        if replaced is not None:
            return replaced
        headers = {
            k: v for k, v in answer.headers.items() if k.lower() in ("content-type", "request-id")
        }
        return Response(answer.content, status_code=answer.status_code, headers=headers)

    return handle


def run_apply(url: str) -> Result:
    return CliRunner().invoke(
        cli,
        [
            "--now",
            "2026-11-24T09:00:00Z",
            "--graph-url",
            url,
            "apply",
            str(POLICIES),
            "--auto-approve",
        ],
    )


def test_apply_writes_nothing_after_a_failed_read(live: Live, bystander: tuple[App, str]) -> None:
    other, other_url = bystander

    def mangle(request: Request, answer: httpx.Response) -> Response | None:
        if request.url.path.endswith("roleAssignmentSchedules"):
            body = answer.json()
            body["@odata.nextLink"] = other_url + "/v1.0/roleAssignmentSchedules?p=2"
            return JSONResponse(body)
        return None

    with serving(proxy_to(live, mangle)) as (_, url):
        output = clean_failure(run_apply(url))
    assert "refusing to follow @odata.nextLink" in output
    assert live.stats()["write_attempts"] == 0 and other.hits == []


@pytest.mark.parametrize("phase", ["policies", "schedules"])
def test_apply_meeting_a_malformed_batch_answer_reports_and_converges_next_run(
    live: Live, phase: str
) -> None:
    mangled: list[str] = []

    def mangle(request: Request, answer: httpx.Response) -> Response | None:
        if not request.url.path.endswith("$batch") or mangled:
            return None
        sent = json.loads(answer.request.content)["requests"]  # as forwarded
        if all(r["method"] == "GET" for r in sent):
            return None  # a batch of look-ups, not of writes
        if phase == "schedules" and "ScheduleRequests" not in sent[0]["url"]:
            return None
        mangled.append(answer.headers["request-id"])  # the writes were applied; answer lost
        body = answer.json()
        for item in body["responses"]:
            item["status"] = "201x"
        body["responses"][0]["headers"] = "request-id: x"
        return JSONResponse(body, headers={"request-id": answer.headers["request-id"]})

    with serving(proxy_to(live, mangle)) as (_, url):
        first = run_apply(url)
    assert len(mangled) == 1
    output = first.output
    failed = [line for line in output.splitlines() if "FAILED" in line]
    if phase == "policies":
        # The mangled answer is reported as it happened, with its request id.
        assert len(failed) == 1 and "malformed answer from Graph: status:" in failed[0]
        assert f"request-id {mangled[0]}" in failed[0]
    # Apply stops writing after a malformed answer (issue 18): every later step is reported
    # as not sent, the run fails, and the next run converges.
    assert first.exit_code == 1, output
    assert "not sent: an earlier answer from Graph was malformed" in output, output
    assert "Traceback" not in first.output
    second = run_apply(live.url)
    assert second.exit_code == 0, second.output
    assert remaining_plan(live).empty


def test_apply_through_a_proxy_answering_html_converges_on_the_next_run(live: Live) -> None:
    live.faults(html_rate=0.2, seed=5)
    first = run_apply(live.url)
    assert first.exit_code == 0 or "Graph answered 502" in first.output, first.output
    assert "Traceback" not in first.output and "internal error" not in first.output
    live.faults(html_rate=0)
    second = run_apply(live.url)
    assert second.exit_code == 0, second.output
    assert remaining_plan(live).empty


# --- links handed in from elsewhere, nesting (review of issue 18) -----------------------------


def test_a_next_link_from_a_batch_look_up_is_held_to_graphs_origin() -> None:
    """A ``$batch`` item's nextLink is a link handed to ``get_all``, not one met while paging:
    it is still held to Graph's origin, so the token never goes to a second port."""
    from pim_gitops.graph.reader import lookup_references

    evil = "http://127.0.0.1:8444/v1.0/users?x=1"

    def answer(n: int, request: httpx.Request) -> httpx.Response:
        sent = json.loads(request.content)["requests"]
        body = {"value": [], "@odata.nextLink": evil}
        return httpx.Response(
            200, json={"responses": [{"id": r["id"], "status": 200, "body": body} for r in sent]}
        )

    fake = Fake(answer)
    t = transport_for(fake)
    with pytest.raises(GraphError, match=r"refusing to follow @odata\.nextLink to another server"):
        run(t, lookup_references(t, ["user:alice@contoso.com"]))
    assert fake.origins == {"http://127.0.0.1:9"}


def test_a_first_page_on_another_origin_is_refused_too() -> None:
    fake = Fake(lambda n, r: page([]))
    t = transport_for(fake)
    with pytest.raises(GraphError, match="another server"):
        run(t, t.get_all("http://127.0.0.1:8444/v1.0/users"))
    assert fake.seen == []


def test_json_nested_past_pythons_recursion_limit_is_a_malformed_answer() -> None:
    deep = '{"value": [{"a": ' + "[" * 5000 + "]" * 5000 + "}]}"
    fake = Fake(lambda n, r: httpx.Response(200, text=deep, headers={"content-type": "x/json"}))
    t = transport_for(fake)
    with pytest.raises(MalformedAnswerError, match="non-JSON response"):
        run(t, t.get_all(ROLES, target="role definitions"))


def test_a_redirect_inside_a_batch_look_up_is_an_error_not_a_page() -> None:
    from pim_gitops.graph.reader import lookup_references

    def answer(n: int, request: httpx.Request) -> httpx.Response:
        sent = json.loads(request.content)["requests"]
        moved = {"location": "http://127.0.0.1:8444/v1.0/users"}
        body = {"value": [{"id": "33333333-3333-3333-3333-333333333333"}]}
        items = [{"id": r["id"], "status": 302, "headers": moved, "body": body} for r in sent]
        return httpx.Response(200, json={"responses": items})

    t = transport_for(Fake(answer))
    with pytest.raises(GraphError):
        run(t, lookup_references(t, ["user:alice@contoso.com"]))
