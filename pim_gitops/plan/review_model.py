"""The plan's access-review parts: the changes (``review["<name>"].<path>``), the definition
writes apply makes, and the rotation's next periods. Kept apart from ``Plan.changes`` and
``Plan.operations`` (role and group PIM), which they never touch.

Write policy (``docs/plan-reviews.md``): ``create`` = POST the definition; ``update`` = PUT
of the full definition (the live one as read, every declared field written over it);
``replace`` = DELETE then POST (the scope cannot change; non-user reviewers cannot change in
place); ``delete`` = DELETE (only as part of a replace: a review no file declares is listed
as unmanaged, never deleted)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pim_gitops.plan.frozen import Frozen

ReviewAction = Literal["create", "update", "replace", "delete"]
#: ``GET``/``POST`` here, ``GET``/``PUT``/``DELETE`` below it (``{id}``).
DEFINITIONS = "/identityGovernance/accessReviews/definitions"
#: Text symbols, Terraform's (``-/+`` a replace).
REVIEW_SYMBOL = {"create": "+", "update": "~", "replace": "-/+", "delete": "-"}


class ReviewPlanChange(Frozen):
    kind: Literal["review"] = "review"
    address: str
    action: ReviewAction
    review: str
    #: The field (``recurrence``, ``reviewers``…); empty for the whole definition.
    path: str
    before: Any
    after: Any
    #: A replace: why, and what happens to the running instance.
    note: str = ""


class ReviewWrite(Frozen):
    """One definition write. ``body``: what is POSTed (create, replace) or PUT (update);
    ``live``: the definition as read when the plan was made (``{}`` for a create)."""

    op: Literal["review"] = "review"
    action: ReviewAction
    review: str
    definition_id: str | None
    addresses: tuple[str, ...]
    body: dict[str, Any]
    live: dict[str, Any]
    fingerprint: str

    @property
    def label(self) -> str:
        verbs = {"create": "POST", "update": "PUT", "replace": "DELETE then POST"}
        return f"access review {self.review}: {verbs.get(self.action, 'DELETE')} definition"

    def requests(self) -> list[tuple[str, str]]:
        """``(method, path)`` in the order apply sends them (a POST's id comes back)."""
        one = f"{DEFINITIONS}/{self.definition_id}"
        return {
            "create": [("POST", DEFINITIONS)],
            "update": [("PUT", one)],
            "replace": [("DELETE", one), ("POST", DEFINITIONS)],
            "delete": [("DELETE", one)],
        }[self.action]


class ReviewPeriod(Frozen):
    start: date
    reviewers: tuple[str, ...]


class ReviewRotation(Frozen):
    """A rotating review's reviewers now and in the next four periods."""

    review: str
    current: tuple[str, ...]
    upcoming: tuple[ReviewPeriod, ...]
