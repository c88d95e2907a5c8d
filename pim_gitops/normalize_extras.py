"""The ``TenantState`` fields of what a read covers beside the PIM state proper: access
reviews (``review_wire``), request history (``history_wire``), PIM alerts (``alert_wire``)
and PIM custom extensions (``extension_wire``), each normalized by its own module."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pim_gitops.alert_wire import alert_fields
from pim_gitops.extension_wire import extension_fields
from pim_gitops.history_wire import normalize_history
from pim_gitops.review_wire import normalize_reviews


def extra_fields(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments of ``TenantState`` for the reviews, history, alerts and extensions."""
    reviews, review_read_error = normalize_reviews(snapshot)
    return {
        "reviews": reviews,
        "review_read_error": review_read_error,
        "history": normalize_history(snapshot),
        **alert_fields(snapshot),
        **extension_fields(snapshot),
    }
