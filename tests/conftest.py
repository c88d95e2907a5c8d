"""Shared fixtures: pinned clock, paths to the example repo and the shared Graph samples."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "policies"
SHARED = ROOT.parent / "shared"
SAMPLES = SHARED / "graph-samples"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def policy_copy(tmp_path: Path) -> Path:
    """A writable copy of the example policy repository."""
    target = tmp_path / "policies"
    shutil.copytree(POLICIES, target)
    return target


def load_sample(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


@pytest.fixture
def sample() -> Callable[[str], Any]:
    if not SAMPLES.is_dir():
        pytest.fail(f"shared Graph samples not found at {SAMPLES}")
    return load_sample


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
