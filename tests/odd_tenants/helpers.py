"""Shared set-up for the odd-tenant tests over the emulator."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.conftest import Live
from tests.test_outside_pim import export, role_id, user_id
from tests.test_real_graph import run

GA = "Global Administrator"
BG1 = "bg1@contoso.onmicrosoft.com"
BG2 = "bg2@contoso.onmicrosoft.com"
PAST = "2026-11-20T09:00:00Z"  # before the CLI's --now (2026-11-24T09:00:00Z)


def strip_ga(live: Live, upn: str) -> None:
    """``upn`` holds no Global Administrator schedule and no role assignment of it."""
    store = live.emulator.store
    gid, pid = role_id(live, GA), user_id(live, upn)
    for table in (store.assignment, store.role_assignments):
        for key, row in list(table.items()):
            if row["roleDefinitionId"] == gid and row["principalId"] == pid:
                del table[key]


def with_break_glass(out: Path) -> Path:
    """Declare both break-glass accounts, in place of whatever export proposed."""
    path = out / "pim.yaml"
    text = re.sub(r"(?m)^#? ?break_glass:.*\n(?:(?:#? *- |#   ).*\n)*", "", path.read_text("utf-8"))
    path.write_text(text + f"break_glass:\n  - user:{BG1}\n  - user:{BG2}\n", encoding="utf-8")
    return out


def take_snapshot(live: Live, tmp_path: Path, policy: Path) -> dict[str, Any]:
    path = tmp_path / "snap.json"
    result = run(live, "snapshot", "--out", str(path), "--policy", str(policy))
    assert result.exit_code == 0, result.output
    return dict(json.loads(path.read_text(encoding="utf-8")))


def save(tmp_path: Path, snapshot: dict[str, Any], name: str = "edited.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(snapshot), encoding="utf-8")
    return path


def plan_json(live: Live, *args: str) -> dict[str, Any]:
    result = run(live, "plan", *args, "--format", "json")
    assert result.exit_code in (0, 2), result.output
    return dict(json.loads(result.output[result.output.index("{") :]))


def request_row(
    live: Live, rid: str, role: str, upn: str, status: str, start: str, **extra: Any
) -> dict[str, Any]:
    return {
        "id": rid,
        "action": "adminAssign",
        "status": status,
        "principalId": user_id(live, upn),
        "roleDefinitionId": role_id(live, role),
        "directoryScopeId": "/",
        "appScopeId": None,
        "targetScheduleId": rid,
        "scheduleInfo": {
            "startDateTime": start,
            "recurrence": None,
            "expiration": {"type": "noExpiration", "endDateTime": None, "duration": None},
        },
        **extra,
    }


__all__ = ["export", "role_id", "run", "user_id"]
