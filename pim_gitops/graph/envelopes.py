"""The shapes of Graph's answers, checked where they arrive.

Small pydantic models of the envelopes we read — a collection page ``{value: [...],
@odata.nextLink}`` (also ``getByIds``), a ``$batch`` answer ``{responses: [{id, status,
headers, body}]}`` — and Graph's error body. An answer of another shape (a ``null`` item,
HTML with 200, ``{"value": null}``, ``["x"]``, ``status: "201x"``, headers as a string,
``responses: null``) becomes a :class:`MalformedAnswerError`: a ``GraphError`` with the
object, the status and the request id, never a crash further down.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

from pim_gitops.errors import GraphAuthError, GraphError
from pim_gitops.graph.words import in_words


@dataclass(frozen=True)
class GraphResponse:
    status: int
    headers: Mapping[str, str]
    body: Any
    request_id: str | None
    #: Bytes of the body as received (decoded); 0 when not known (a ``$batch`` item).
    size: int = 0


class MalformedAnswerError(GraphError):
    """Graph (or something in between) answered with a body of the wrong shape."""


class _Envelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow", populate_by_name=True)


class CollectionPage(_Envelope):
    """One page of a collection; every item is a JSON object."""

    value: list[dict[str, Any]]
    next_link: StrictStr | None = Field(None, alias="@odata.nextLink")


class BatchAnswer(_Envelope):
    """One inner response of a ``$batch`` answer."""

    id: StrictStr
    status: StrictInt = Field(ge=100, le=599)
    headers: dict[StrictStr, StrictStr] | None = None
    body: Any = None


class BatchEnvelope(_Envelope):
    """A ``$batch`` answer: a list of inner responses (each checked on its own)."""

    responses: list[Any]


def sanitize(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat[:limit] + ("…" if len(flat) > limit else "")


def public_url(url: str) -> str:
    """URLs in errors: no query secrets exist in ours, but strip skiptokens to stay short."""
    return url.split("$skiptoken", 1)[0].rstrip("?&")


def _first_problem(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(p) for p in error["loc"]) or "the answer"
    return f"{where}: {error['msg']}"


def malformed(
    expected: str,
    problem: str,
    response: GraphResponse,
    *,
    method: str,
    url: str,
    target: str | None,
) -> MalformedAnswerError:
    """The error for an answer that is not ``expected``: what was wrong and a glimpse of it."""
    glimpse = sanitize(response.body if isinstance(response.body, str) else repr(response.body))
    return MalformedAnswerError(
        f"malformed answer from Graph: expected {expected}; {problem} (got {glimpse})",
        method=method,
        url=public_url(url),
        status=response.status,
        request_id=response.request_id,
        target=target,
    )


def parse_page(
    response: GraphResponse, *, method: str, url: str, target: str | None
) -> CollectionPage:
    """The collection page in ``response``, or a :class:`MalformedAnswerError`."""
    try:
        return CollectionPage.model_validate(response.body)
    except ValidationError as exc:
        raise malformed(
            "a collection {value: [objects]}",
            _first_problem(exc),
            response,
            method=method,
            url=url,
            target=target,
        ) from exc


def parse_object(response: GraphResponse, *, method: str, url: str, target: str | None) -> Any:
    """The JSON object in ``response``'s body, or a :class:`MalformedAnswerError`."""
    if isinstance(response.body, Mapping):
        return response.body
    raise malformed(
        "a JSON object", "the body is not one", response, method=method, url=url, target=target
    )


def parse_batch(response: GraphResponse, *, url: str, target: str) -> list[Any]:
    """The raw inner responses of a ``$batch`` answer, or a :class:`MalformedAnswerError`."""
    try:
        return BatchEnvelope.model_validate(response.body).responses
    except ValidationError as exc:
        raise malformed(
            "a $batch answer {responses: [...]}",
            _first_problem(exc),
            response,
            method="POST",
            url=url,
            target=target,
        ) from exc


def batch_answer_id(raw: Any) -> str | None:
    """The id of an inner response, even a malformed one, when it has a readable one."""
    if isinstance(raw, Mapping) and isinstance(raw.get("id"), (str, int)):
        return str(raw["id"])
    return None


def inner_response(raw: Any) -> GraphResponse | str:
    """An inner ``$batch`` response, or what is wrong with it."""
    try:
        answer = BatchAnswer.model_validate(raw)
    except ValidationError as exc:
        return _first_problem(exc)
    headers = {k.lower(): v for k, v in (answer.headers or {}).items()}
    return GraphResponse(answer.status, headers, answer.body, headers.get("request-id"))


def error_parts(body: Any) -> tuple[str | None, str, str | None] | None:
    """Graph's error body ``{"error": {code, message, innerError}}`` → code (``None`` when
    absent), message and the request id inside it; ``None`` when the body is not one."""
    if not (isinstance(body, Mapping) and isinstance(body.get("error"), Mapping)):
        return None
    error = body["error"]
    code = str(error.get("code")) if error.get("code") is not None else None
    inner = error.get("innerError") or error.get("innererror") or {}
    request_id = (
        inner.get("request-id") or inner.get("requestId") if isinstance(inner, Mapping) else None
    )
    request_id = str(request_id) if request_id else None
    return code, str(error.get("message") or ""), request_id


def error_from(response: GraphResponse, method: str, url: str, target: str | None) -> GraphError:
    """Our exception for a Graph error response: code, message, request id, object."""
    parts = error_parts(response.body)
    if parts is None:
        code, request_id = None, response.request_id
        message = f"unexpected response: {sanitize(str(response.body))}"
    else:
        code, message, inner_id = parts
        request_id = response.request_id or inner_id
        message = in_words(code, message)
    cls = GraphAuthError if response.status in (401, 403) else GraphError
    return cls(
        f"Graph refused the request: {message or 'no message'}",
        method=method,
        url=public_url(url),
        status=response.status,
        code=code if code is not None else "",
        request_id=request_id,
        target=target,
    )
