"""Saved plans: written as the model's JSON, read back with every check a plan file needs —
its format version, the tool version that made it, and fingerprints recomputed from the
live objects it recorded (a plan file is input, and nothing in it is trusted that can be
recomputed)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pim_gitops import __version__
from pim_gitops.errors import PlanFormatError
from pim_gitops.plan.model import (
    FORMAT_VERSION,
    Plan,
    RulePatch,
    fingerprint,
    rule_fingerprint,
    schedule_fingerprint,
)

#: The access-review parts of a plan, left out of its JSON when empty (a plan of a
#: repository without reviews reads as before).
REVIEW_KEYS = ("review_changes", "review_writes", "review_rotations", "unmanaged_reviews")


def plan_document(plan: Plan) -> dict[str, Any]:
    """The plan as JSON data (what ``--format json`` prints and ``--out`` saves)."""
    document = plan.model_dump(mode="json")
    return {k: v for k, v in document.items() if v or k not in REVIEW_KEYS}


def dump_plan(plan: Plan) -> str:
    return json.dumps(plan_document(plan), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _check_fingerprints(plan: Plan, origin: str) -> None:
    for op in plan.operations:
        expected = (
            rule_fingerprint(op.live_rule)
            if isinstance(op, RulePatch)
            else schedule_fingerprint(op.live)
        )
        if expected != op.fingerprint:
            raise PlanFormatError(
                f"{origin}: the fingerprint of {op.label} does not match the live object the "
                "plan recorded; the file was edited or is corrupt. Make a new plan."
            )
    from pim_gitops.plan.review_build import review_fingerprint

    for write in plan.review_writes:
        if review_fingerprint(write.live) != write.fingerprint:
            raise PlanFormatError(
                f"{origin}: the fingerprint of {write.label} does not match the definition "
                "the plan recorded; the file was edited or is corrupt. Make a new plan."
            )


def parse_plan(data: Any, origin: str) -> Plan:
    """A plan from its JSON data; ``PlanFormatError`` for anything but this tool's plan."""
    if not isinstance(data, Mapping) or "format_version" not in data:
        raise PlanFormatError(f"{origin}: not a pim-gitops plan (no format_version)")
    version = data["format_version"]
    if version != FORMAT_VERSION:
        raise PlanFormatError(
            f"{origin}: plan format_version {version!r} is not supported by this pim-gitops "
            f"(it reads format_version {FORMAT_VERSION}); make a new plan with this version"
        )
    made_by = data.get("tool_version")
    if made_by != __version__:
        raise PlanFormatError(
            f"{origin}: the plan was made by pim-gitops {made_by}, this is {__version__}; "
            "plan and apply with the same version"
        )
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise PlanFormatError(f"{origin}: malformed plan at {where}: {first['msg']}") from None
    _check_fingerprints(plan, origin)
    return plan


def load_plan(path: str | Path) -> Plan:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PlanFormatError(f"{path}: cannot read the plan: {exc}") from None
    return parse_plan(data, str(path))


def mark_origins(plan: Plan, base_plan: Plan) -> Plan:
    """``plan --base``: a change the base would also make reverts drift; any other comes from
    the pull request."""
    base = {(c.address, repr(c.after)) for c in base_plan.changes}
    changes = tuple(
        c.model_copy(
            update={"origin": "drift" if (c.address, repr(c.after)) in base else "pull-request"}
        )
        for c in plan.changes
    )
    return plan.model_copy(update={"changes": changes})


def desired_hash(described: Mapping[str, Any]) -> str:
    return fingerprint(described)
