"""The base of every plan-file model: frozen, and no field the model does not declare (a plan
file is checked against the schema generated from these models)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
