"""The OData query options Graph supports on the PIM endpoints: ``$filter`` (``eq`` joined
by ``and``), ``$select``, ``$expand``, ``$top`` and ``$skiptoken`` paging."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from pim_gitops.emulator.errors import bad_request

_CLAUSE = re.compile(
    r"^\s*(?P<field>[A-Za-z_/]+)\s+eq\s+"
    r"(?:'(?P<value>(?:[^']|'')*)'|(?P<bare>true|false|[0-9a-fA-F-]{36}))\s*$"
)
MAX_TOP = 999


@dataclass(frozen=True)
class Query:
    filters: tuple[tuple[str, str], ...]
    select: tuple[str, ...]
    expand: str
    top: int | None
    skip: int
    raw: Mapping[str, str]


def _split_and(text: str) -> list[str]:
    parts: list[str] = []
    current, i = "", 0
    quoted = False
    while i < len(text):
        ch = text[i]
        if ch == "'":
            quoted = not quoted
        if not quoted and text[i : i + 5].lower() == " and ":
            parts.append(current)
            current = ""
            i += 5
            continue
        current += ch
        i += 1
    parts.append(current)
    return parts


def parse_filter(text: str, allowed: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """``a eq 'x' and b eq 'y'`` → ``(("a", "x"), ("b", "y"))``; anything else is a 400."""
    allowed_set = set(allowed)
    clauses = []
    for part in _split_and(text):
        match = _CLAUSE.match(part)
        if not match:
            raise bad_request(f"Invalid filter clause: {part.strip()!r}", "BadRequest")
        field_name = match.group("field")
        if field_name not in allowed_set:
            raise bad_request(
                f"Invalid filter clause: the property {field_name!r} is not supported in "
                "$filter on this resource",
                "BadRequest",
            )
        value = match.group("value")
        literal = value.replace("''", "'") if value is not None else match.group("bare")
        clauses.append((field_name, literal))
    return tuple(clauses)


def parse_query(
    params: Mapping[str, str], filterable: Iterable[str] = (), max_top: int = MAX_TOP
) -> Query:
    top = None
    if "$top" in params and max_top == 0:
        raise bad_request("The query parameter $top is not supported on this resource.")
    if "$top" in params:
        try:
            top = int(params["$top"])
        except ValueError:
            raise bad_request(f"Invalid $top value {params['$top']!r}") from None
        if top < 1:
            raise bad_request("$top must be positive")
        top = min(top, max_top)
    skip = 0
    if "$skiptoken" in params:
        try:
            skip = int(base64.urlsafe_b64decode(params["$skiptoken"].encode() + b"==").decode())
        except ValueError:
            raise bad_request("Invalid $skiptoken", "BadRequest") from None
    filters = parse_filter(params["$filter"], filterable) if params.get("$filter") else ()
    select = tuple(s.strip() for s in params.get("$select", "").split(",") if s.strip())
    return Query(filters, select, params.get("$expand", "").strip(), top, skip, dict(params))


def skiptoken(offset: int) -> str:
    return base64.urlsafe_b64encode(str(offset).encode()).decode().rstrip("=")


def matches(item: Mapping[str, Any], filters: Iterable[tuple[str, str]]) -> bool:
    for name, value in filters:
        actual = item.get(name)
        if isinstance(actual, bool):
            actual = "true" if actual else "false"
        if actual is None or str(actual).lower() != value.lower():
            return False
    return True


def project(item: Mapping[str, Any], select: tuple[str, ...]) -> dict[str, Any]:
    if not select:
        return dict(item)
    keep = {"id", "@odata.type", *select}
    return {k: v for k, v in item.items() if k in keep}


def page(
    items: list[dict[str, Any]],
    query: Query,
    page_size: int,
    base_url: str,
    context: str,
) -> dict[str, Any]:
    """One page of a collection with an absolute ``@odata.nextLink`` when more remain."""
    size = query.top or page_size
    chunk = items[query.skip : query.skip + size]
    body: dict[str, Any] = {"@odata.context": context, "value": chunk}
    if query.skip + size < len(items):
        params = {k: v for k, v in query.raw.items() if k != "$skiptoken"}
        params["$skiptoken"] = skiptoken(query.skip + size)
        body["@odata.nextLink"] = f"{base_url}?{urlencode(params)}"
    return body
