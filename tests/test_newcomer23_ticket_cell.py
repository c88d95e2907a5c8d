"""The report's ticket cell: the number first, its system in parentheses, so a free-text
ticket reads as one (``see slack (ServiceNow)``, not ``ServiceNow see slack``)."""

from __future__ import annotations

from pim_gitops.history_wire import normalize_request
from pim_gitops.render.report_history import ticket_words
from tests.test_history_wire import activation


def _words(ticket: str | None, system: str | None = "ServiceNow") -> str:
    raw = activation("r1", "2026-11-20T08:00:00Z", ticket=ticket)
    raw["ticketInfo"]["ticketSystem"] = system
    return ticket_words(normalize_request(raw, "active", {}))


def test_number_then_system() -> None:
    assert _words("see slack") == "see slack (ServiceNow)"
    assert _words("CHG1042", None) == "CHG1042"
    assert _words(None, None) == "none"
    assert _words(None) == "none (system ServiceNow)"
