"""Trust nothing the network says, the edges left from issue 18: duplicate or unasked ids in
a ``$batch`` answer, a total byte cap per collection, next links in another case or with
user information, and the loopback token fetch's deadline and size cap.

In the style of ``test_network.py``: httpx ``MockTransport`` fakes under the real msgraph
pipeline and small loopback servers for the CLI; every test ends after a handful of
requests and well under a second of real time."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from pim_gitops.errors import GraphError
from pim_gitops.graph.batch import send_batched
from pim_gitops.graph.clouds import LOCAL_TOKEN_MAX_BYTES, fetch_local_token, resolve_endpoint
from pim_gitops.graph.envelopes import GraphResponse, MalformedAnswerError
from pim_gitops.graph.limits import NetworkLimits, limits_from_env
from pim_gitops.graph.session import emulator_token
from tests.test_network import (
    LOCAL,
    ROLES,
    Drip,
    Fake,
    _batch,
    _items,
    clean_failure,
    page,
    run,
    serving,
    snapshot_via,
    tenant_with,
    transport_for,
)

# --- $batch answers: each id once, only ids asked ------------------------------------------


def test_two_answers_for_one_id_are_a_malformed_answer_for_that_request() -> None:
    def twice(good: list[dict[str, Any]]) -> Any:
        other = {**good[0], "status": 400, "body": {"error": {"code": "X", "message": "no"}}}
        return {"responses": [good[0], other, good[1]]}

    fake = Fake(_batch(twice))
    t = transport_for(fake)
    results = run(t, send_batched(t, _items(2)))
    bad, good = results["k0"], results["k1"]
    assert isinstance(bad, MalformedAnswerError)
    assert "the batch answer has 2 responses for this request" in str(bad)
    assert bad.target == "object 0" and bad.request_id == "req-1"
    assert isinstance(good, GraphResponse) and good.status == 204
    assert len(fake.seen) == 1


@pytest.mark.parametrize("extra", ["3", "0", "k0"])
def test_an_answer_for_an_id_not_asked_makes_the_whole_answer_malformed(extra: str) -> None:
    def unasked(good: list[dict[str, Any]]) -> Any:
        return {"responses": [*good, {"id": extra, "status": 204}]}

    fake = Fake(_batch(unasked))
    t = transport_for(fake)
    results = run(t, send_batched(t, _items(2)))
    for key in ("k0", "k1"):
        outcome = results[key]
        assert isinstance(outcome, MalformedAnswerError)
        assert f"it answers request id '{extra}', which was not asked (2 were)" in str(outcome)
        assert outcome.status == 200 and outcome.request_id == "req-1"
    assert len(fake.seen) == 1


# --- a total byte cap per collection -----------------------------------------------------


def pages_of(sizes: list[int]) -> Fake:
    """Pages of exactly these byte sizes (each a valid collection page)."""

    def answer(n: int, request: httpx.Request) -> httpx.Response:
        link = LOCAL + f"/v1.0/next?p={n}" if n < len(sizes) else None
        head = {"value": [{"id": str(n)}], **({"@odata.nextLink": link} if link else {})}
        text = json.dumps(head)
        body = text[:-1] + " " * (sizes[n - 1] - len(text)) + "}"
        assert len(body) == sizes[n - 1]
        return httpx.Response(200, content=body.encode())

    return Fake(answer)


@pytest.mark.parametrize(("cap", "ok"), [(3000, True), (2999, False)])
def test_a_collection_is_capped_in_total_bytes(cap: int, ok: bool) -> None:
    fake = pages_of([1000, 1000, 1000])
    t = transport_for(fake, max_collection_bytes=cap)
    if ok:
        assert [i["id"] for i in run(t, t.get_all(ROLES))] == ["1", "2", "3"]
        return
    with pytest.raises(GraphError) as info:
        run(t, t.get_all(ROLES, target="role definitions"))
    message = str(info.value)
    assert "larger than 2999 bytes after 3 pages" in message
    assert "max_collection_bytes (PIM_GITOPS_MAX_COLLECTION_BYTES)" in message
    assert info.value.target == "role definitions" and len(fake.seen) == 3


def test_the_collection_cap_counts_across_collections_separately() -> None:
    fake = pages_of([1000, 1000])
    t = transport_for(fake, max_collection_bytes=2000)

    async def twice() -> list[Any]:
        first = await t.get_all(ROLES)
        fake.seen.clear()
        return first + await t.get_all(ROLES)

    assert len(run(t, twice())) == 4  # 2,000 bytes each: the cap is per collection


def test_the_collection_cap_comes_from_the_environment() -> None:
    assert limits_from_env({"PIM_GITOPS_MAX_COLLECTION_BYTES": "4096"}).max_collection_bytes == 4096
    assert NetworkLimits().max_collection_bytes > NetworkLimits().max_response_bytes
    with pytest.raises(GraphError, match="PIM_GITOPS_MAX_COLLECTION_BYTES must be a positive"):
        limits_from_env({"PIM_GITOPS_MAX_COLLECTION_BYTES": "0"})


# --- next links: case-insensitive origin, no user information -----------------------------


@pytest.mark.parametrize(
    ("base", "link"),
    [
        (LOCAL, "HTTP://127.0.0.1:9/v1.0/next?p=1"),
        ("http://localhost:9", "http://LOCALHOST:9/v1.0/next?p=1"),
        ("http://localhost:9", "Http://LocalHost:9/v1.0/next?p=1"),
    ],
)
def test_a_next_link_in_another_case_is_the_same_origin_and_is_followed(
    base: str, link: str
) -> None:
    fake = Fake(lambda n, r: page([{"id": str(n)}], link if n < 2 else None))
    t = transport_for(fake, url=base)
    assert run(t, t.get_all(ROLES)) == [{"id": "1"}, {"id": "2"}]
    second = fake.seen[1].url
    assert (second.path, second.params.get("p")) == ("/v1.0/next", "1")
    assert len(fake.origins) == 1


def test_a_next_link_repeated_in_another_case_is_a_loop() -> None:
    links = [LOCAL + "/v1.0/next?p=1", "HTTP://127.0.0.1:9/v1.0/next?p=1"]
    fake = Fake(lambda n, r: page([{"id": str(n)}], links[(n - 1) % 2]))
    t = transport_for(fake)
    with pytest.raises(GraphError, match="repeats a page already read"):
        run(t, t.get_all(ROLES))
    assert len(fake.seen) == 2


@pytest.mark.parametrize(
    "link",
    [
        "http://user@127.0.0.1:9/v1.0/next",
        "http://user:secret@127.0.0.1:9/v1.0/next",
        "http://:secret@127.0.0.1:9/v1.0/next",
    ],
)
def test_a_next_link_with_user_information_is_refused(link: str) -> None:
    fake = Fake(lambda n, r: page([{"id": "a"}], link))
    t = transport_for(fake)
    with pytest.raises(GraphError) as info:
        run(t, t.get_all(ROLES, target="role definitions"))
    assert "with user information in it" in str(info.value)
    assert "secret" not in str(info.value)
    assert len(fake.seen) == 1
    assert all("basic" not in r.headers.get("authorization", "").lower() for r in fake.seen)


def test_a_handed_in_first_link_with_user_information_is_refused() -> None:
    fake = Fake(lambda n, r: page([]))
    t = transport_for(fake)
    with pytest.raises(GraphError, match="with user information in it"):
        run(t, t.get_all("http://user@127.0.0.1:9/v1.0/users?$skiptoken=x"))
    assert fake.seen == []


# --- the loopback token fetch: a total deadline and a size cap -----------------------------

TOKEN_URL = "http://127.0.0.1:9/_emulator/token"


async def dripping_token(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, headers={"Content-Type": "application/json"}, stream=Drip())


def test_a_dripping_token_endpoint_stops_at_the_deadline() -> None:
    endpoint = resolve_endpoint(LOCAL)
    with pytest.raises(GraphError) as info:
        asyncio.run(emulator_token(endpoint, httpx.MockTransport(dripping_token), 0.3))
    assert "no complete answer within 0.3 s" in str(info.value)
    assert "/_emulator/token" in str(info.value)


def token_body(size: int) -> bytes:
    text = json.dumps({"access_token": "issued", "pad": ""})
    body = text[:-2] + "x" * (size - len(text)) + '"}'
    assert len(body) == size
    return body.encode()


@pytest.mark.parametrize(("size", "ok"), [(100, True), (101, False)])
def test_the_token_answer_is_capped_in_size(size: int, ok: bool) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=httpx.ByteStream(token_body(size)))

    fetch = fetch_local_token(TOKEN_URL, httpx.MockTransport(answer), max_bytes=100)
    if ok:
        assert asyncio.run(fetch) == "issued"
        return
    with pytest.raises(GraphError, match="answered more than 100 bytes"):
        asyncio.run(fetch)


def test_the_default_token_cap_stops_a_large_answer() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=httpx.ByteStream(token_body(LOCAL_TOKEN_MAX_BYTES + 1)))

    endpoint = resolve_endpoint(LOCAL)
    with pytest.raises(GraphError, match=f"more than {LOCAL_TOKEN_MAX_BYTES} bytes"):
        asyncio.run(emulator_token(endpoint, httpx.MockTransport(answer)))


def test_cli_stops_a_dripping_token_endpoint(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIM_GITOPS_REQUEST_TIMEOUT", "0.5")
    graph_requests: list[str] = []

    async def drip() -> AsyncIterator[bytes]:
        for _ in range(30):  # at most 3 s, whatever the client does
            yield b" "
            await asyncio.sleep(0.1)

    def odd(request: Request) -> Response | None:
        if request.url.path == "/_emulator/token":
            return StreamingResponse(drip(), media_type="application/json")
        graph_requests.append(request.url.path)
        return None

    with serving(tenant_with(odd)) as (_, url):
        output = clean_failure(snapshot_via(url, tmp_path))
    assert "the loopback token endpoint gave no complete answer within 0.5 s" in output
    assert graph_requests == []  # nothing is read without a token
