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
SHARED = Path(os.environ.get("PIM_GITOPS_SHARED") or ROOT.parent / "shared")
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


# --- the emulator, served over real HTTP on a free port -------------------------------------


class Live:
    """A running emulator: the object (for white-box setup), its URL and an HTTP client."""

    def __init__(self, emulator: Any, url: str) -> None:
        import httpx

        self.emulator = emulator
        self.url = url
        self.graph = url + "/v1.0"
        self.http = httpx.Client(
            base_url=self.graph, headers={"Authorization": "Bearer test"}, timeout=30
        )

    def faults(self, **changes: Any) -> None:
        import httpx

        response = httpx.post(self.url + "/_emulator/faults", json=changes)
        assert response.status_code == 200, response.text

    def stats(self) -> dict[str, Any]:
        import httpx

        return dict(httpx.get(self.url + "/_emulator/stats").json())

    def snapshot(self) -> dict[str, Any]:
        import httpx

        return dict(httpx.get(self.url + "/_emulator/snapshot").json())

    def sign_in(self, caller: Any) -> None:
        """Make ``caller`` (an ``emulator.identity.Caller``) the identity tokens are issued to."""
        self.emulator.caller = caller


@pytest.fixture(scope="session")
def _served() -> Any:
    from pim_gitops.demo import SAMPLE_TENANT
    from pim_gitops.emulator.app import Emulator
    from pim_gitops.emulator.server import running
    from pim_gitops.snapshot import read_snapshot
    from pim_gitops.tenantgen import SAMPLE_NOW

    emulator = Emulator(read_snapshot(SAMPLE_TENANT), clock=lambda: SAMPLE_NOW)
    with running(emulator) as url:
        served = Live(emulator, url)
        yield served
        served.http.close()


@pytest.fixture
def live(_served: Live) -> Live:
    """The session's emulator, reset to the sample tenant with no faults."""
    from pim_gitops.emulator.faults import FaultConfig

    emulator = _served.emulator
    emulator.store.reset()
    emulator.stats.reset()
    emulator.faults.configure(FaultConfig())
    emulator.holds.release_all()
    emulator.caller = emulator.initial_caller
    emulator.page_size = 100
    emulator.max_top = 999
    return _served


@pytest.fixture
def respelling(live: Live) -> Live:
    """``live`` with ``respell`` on: policy reads answer the stored meaning in other spellings
    (``PT480M`` for ``PT8H``, rules reordered, recipients re-cased…)."""
    live.faults(respell=True)
    return live
