"""The base of every policy-file model (``model.py`` re-exports it): frozen, no extra keys."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
