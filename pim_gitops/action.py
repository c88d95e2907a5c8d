"""What a change does: one vocabulary for the diff, the plan, its renderers and Graph."""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    """``create`` / ``update`` / ``delete`` in JSON; ``+`` / ``~`` / ``-`` in text."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"

    @property
    def symbol(self) -> str:
        return {"create": "+", "update": "~", "delete": "-"}[self.value]

    @property
    def summary_word(self) -> str:
        """The word of the plan's summary line (``Plan: 1 to add, 2 to change, 0 to remove``)."""
        return {"create": "add", "update": "change", "delete": "remove"}[self.value]

    @property
    def graph_action(self) -> str:
        """The ``action`` of a Graph schedule request."""
        return {"create": "adminAssign", "update": "adminUpdate", "delete": "adminRemove"}[
            self.value
        ]

    @property
    def verb(self) -> str:
        """How a text plan describes it (``will be created``)."""
        return {"create": "created", "update": "updated in-place", "delete": "destroyed"}[
            self.value
        ]
