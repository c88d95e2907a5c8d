"""The caps that bound what one command may spend on the network, whatever it answers.

Every cap has a default, an ``open_graph(...)`` parameter (:class:`NetworkLimits`, or a
:class:`~pim_gitops.graph.retry.RetryPolicy` for the retry caps) and a ``PIM_GITOPS_*``
environment variable (:data:`LIMIT_VARIABLES`, :data:`RETRY_VARIABLES`); errors name the cap
and its variable (docs/reliability.md, "Network guarantees").
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, TypeVar

from pim_gitops.errors import GraphError
from pim_gitops.graph.retry import RetryPolicy


@dataclass(frozen=True)
class NetworkLimits:
    """Caps per request and per command (see the module docstring)."""

    #: Pages followed through ``@odata.nextLink`` for one collection.
    max_pages: int = 10_000
    #: Seconds for one whole request: connect, send and read, a slow drip included.
    request_timeout_s: float = 120.0
    #: Seconds to establish a connection.
    connect_timeout_s: float = 15.0
    #: Seconds for the whole command's Graph session; no request starts after it.
    command_timeout_s: float = 3600.0
    #: Bytes of one response body, after decompression.
    max_response_bytes: int = 64 * 1024 * 1024
    #: Bytes of all the pages of one collection together, after decompression.
    max_collection_bytes: int = 512 * 1024 * 1024


#: Environment variable of each :class:`NetworkLimits` field.
LIMIT_VARIABLES: Mapping[str, str] = {
    "max_pages": "PIM_GITOPS_MAX_PAGES",
    "request_timeout_s": "PIM_GITOPS_REQUEST_TIMEOUT",
    "connect_timeout_s": "PIM_GITOPS_CONNECT_TIMEOUT",
    "command_timeout_s": "PIM_GITOPS_COMMAND_TIMEOUT",
    "max_response_bytes": "PIM_GITOPS_MAX_RESPONSE_BYTES",
    "max_collection_bytes": "PIM_GITOPS_MAX_COLLECTION_BYTES",
}

#: Environment variable of each configurable :class:`RetryPolicy` field.
RETRY_VARIABLES: Mapping[str, str] = {
    "max_attempts": "PIM_GITOPS_MAX_ATTEMPTS",
    "max_retries": "PIM_GITOPS_MAX_RETRIES",
    "max_wall_s": "PIM_GITOPS_RETRY_DEADLINE",
    "max_wait_s": "PIM_GITOPS_MAX_RETRY_WAIT",
}

T = TypeVar("T", NetworkLimits, RetryPolicy)


def _number(name: str, raw: str, kind: type) -> int | float:
    try:
        value: int | float = int(raw) if kind is int else float(raw)
    except ValueError:
        value = -1
    if value <= 0 or not math.isfinite(value):
        expected = "a positive whole number" if kind is int else "a positive number of seconds"
        raise GraphError(f"{name} must be {expected}, not {raw!r}")
    return value


def _from_env(base: T, variables: Mapping[str, str], environ: Mapping[str, str]) -> T:
    types = {f.name: type(getattr(base, f.name)) for f in fields(base)}
    changes: dict[str, Any] = {}
    for field, name in variables.items():
        raw = environ.get(name, "").strip()
        if raw:
            changes[field] = _number(name, raw, types[field])
    return replace(base, **changes)


def limits_from_env(environ: Mapping[str, str], base: NetworkLimits | None = None) -> NetworkLimits:
    """``base`` (the defaults) with every ``PIM_GITOPS_*`` limit variable that is set."""
    return _from_env(base or NetworkLimits(), LIMIT_VARIABLES, environ)


def retry_from_env(environ: Mapping[str, str], base: RetryPolicy | None = None) -> RetryPolicy:
    """``base`` (the defaults) with every ``PIM_GITOPS_*`` retry variable that is set."""
    return _from_env(base or RetryPolicy(), RETRY_VARIABLES, environ)


def cap_name(field: str) -> str:
    """``max_pages`` → ``max_pages (PIM_GITOPS_MAX_PAGES)``: for error messages."""
    return f"{field} ({LIMIT_VARIABLES[field]})"
