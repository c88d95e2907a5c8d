"""The OData query options Graph supports on the PIM endpoints: ``$filter`` (``eq`` joined
by ``and``; ``in (...)`` on the directory-object collections, at most 15 values),
``$select`` (strict per type on ``/users``, ``/groups``, ``/servicePrincipals``: see
``types.py``), ``$expand``, ``$top`` and ``$skiptoken`` paging."""

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
_IN_CLAUSE = re.compile(r"^\s*(?P<field>[A-Za-z_/]+)\s+in\s+\((?P<values>.*)\)\s*$", re.DOTALL)
_IN_VALUE = re.compile(r"\s*'((?:[^']|'')*)'\s*(?:,|$)")
MAX_TOP = 999
#: "When using the in operator, the request is limited to 15 expressions in the filter
#: clause by default" (learn.microsoft.com/graph/filter-query-parameter, operators note).
MAX_IN_VALUES = 15


@dataclass(frozen=True)
class Query:
    filters: tuple[tuple[str, str], ...]
    select: tuple[str, ...]
    expand: str
    top: int | None
    skip: int
    raw: Mapping[str, str]
    #: ``field in ('a', 'b')`` clauses (only where the route allows ``in``).
    any_of: tuple[tuple[str, tuple[str, ...]], ...] = ()


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


def _in_values(text: str) -> tuple[str, ...] | None:
    values: list[str] = []
    rest = text.strip()
    while rest:
        match = _IN_VALUE.match(rest)
        if not match:
            return None
        values.append(match.group(1).replace("''", "'"))
        rest = rest[match.end() :].strip()
    return tuple(values) if values else None


def _checked_field(name: str, allowed: set[str]) -> str:
    if name not in allowed:
        raise bad_request(
            f"Invalid filter clause: the property {name!r} is not supported in "
            "$filter on this resource",
            "BadRequest",
        )
    return name


def parse_filter_clauses(
    text: str, allowed: Iterable[str], allow_in: bool = False
) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, tuple[str, ...]], ...]]:
    """``a eq 'x' and b in ('y', 'z')`` → eq clauses and ``in`` clauses; anything else
    (``in`` where the route does not allow it, more than 15 values) is a 400."""
    allowed_set = set(allowed)
    clauses: list[tuple[str, str]] = []
    any_of: list[tuple[str, tuple[str, ...]]] = []
    for part in _split_and(text):
        in_match = _IN_CLAUSE.match(part) if allow_in else None
        if in_match:
            values = _in_values(in_match.group("values"))
            if values is None:
                raise bad_request(f"Invalid filter clause: {part.strip()!r}", "BadRequest")
            if len(values) > MAX_IN_VALUES:
                raise bad_request(
                    f"Too many expressions in the filter clause: {len(values)} values in 'in' "
                    f"(at most {MAX_IN_VALUES}).",
                    "Request_UnsupportedQuery",
                )
            any_of.append((_checked_field(in_match.group("field"), allowed_set), values))
            continue
        match = _CLAUSE.match(part)
        if not match:
            raise bad_request(f"Invalid filter clause: {part.strip()!r}", "BadRequest")
        field_name = _checked_field(match.group("field"), allowed_set)
        value = match.group("value")
        literal = value.replace("''", "'") if value is not None else match.group("bare")
        clauses.append((field_name, literal))
    return tuple(clauses), tuple(any_of)


def parse_filter(text: str, allowed: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """``a eq 'x' and b eq 'y'`` → ``(("a", "x"), ("b", "y"))``; anything else is a 400."""
    return parse_filter_clauses(text, allowed)[0]


def parse_query(
    params: Mapping[str, str],
    filterable: Iterable[str] = (),
    max_top: int = MAX_TOP,
    *,
    allow_in: bool = False,
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
    filters: tuple[tuple[str, str], ...] = ()
    any_of: tuple[tuple[str, tuple[str, ...]], ...] = ()
    if params.get("$filter"):
        filters, any_of = parse_filter_clauses(params["$filter"], filterable, allow_in)
    select = tuple(s.strip() for s in params.get("$select", "").split(",") if s.strip())
    expand = params.get("$expand", "").strip()
    return Query(filters, select, expand, top, skip, dict(params), any_of)


def skiptoken(offset: int) -> str:
    return base64.urlsafe_b64encode(str(offset).encode()).decode().rstrip("=")


def _text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None else str(value).lower()


def matches(
    item: Mapping[str, Any],
    filters: Iterable[tuple[str, str]],
    any_of: Iterable[tuple[str, tuple[str, ...]]] = (),
) -> bool:
    for name, value in filters:
        actual = _text(item.get(name))
        if actual is None or actual != value.lower():
            return False
    for name, values in any_of:
        actual = _text(item.get(name))
        if actual is None or actual not in {v.lower() for v in values}:
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
