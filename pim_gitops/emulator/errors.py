"""Graph-shaped error responses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class GraphReply:
    """A response before it is put on the wire (also used for ``$batch`` items)."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class GraphFault(Exception):
    """Raised by handlers; becomes Graph's error body ``{"error": {code, message, innerError}}``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def bad_request(message: str, code: str = "BadRequest") -> GraphFault:
    return GraphFault(400, code, message)


def not_found(message: str, code: str = "ResourceNotFound") -> GraphFault:
    return GraphFault(404, code, message)


def error_body(code: str, message: str, request_id: str, date: str) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "innerError": {"request-id": request_id, "client-request-id": request_id, "date": date},
        }
    }
