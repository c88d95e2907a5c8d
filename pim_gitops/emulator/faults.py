"""Reproducible fault injection: latency, throttling, server errors, connection resets,
writes that succeed but whose response is lost, "abort after N writes", respelled
policy reads and replication lag."""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Literal

FaultKind = Literal["throttle", "unavailable", "timeout", "reset", "ghost", "abort", "html"]


@dataclass(frozen=True)
class FaultConfig:
    """Every knob, settable from the command line or ``POST /_emulator/faults``.

    Rates are probabilities per request under ``/v1.0`` (and per inner ``$batch`` request
    for throttling, as Graph throttles each one individually).
    """

    seed: int = 0
    latency_ms: float = 0.0
    spike_rate: float = 0.0
    spike_ms: float = 2000.0
    throttle_rate: float = 0.0
    retry_after_max: float = 3.0
    error_rate: float = 0.0
    reset_rate: float = 0.0
    ghost_rate: float = 0.0
    #: Share of requests answered by a "proxy" with an HTML error page (502, text/html).
    html_rate: float = 0.0
    abort_after_writes: int | None = None
    #: Reads of policy rules answer the same meaning in other spellings (``respell.py``).
    respell: bool = False
    #: Seconds before a write is visible to reads (``replication.py``); 0 = at once.
    replication_lag_s: float = 0.0
    #: Seconds a principal made with ``add_principal`` answers ``404 SubjectNotFound`` to
    #: schedule requests.
    principal_lag_s: float = 0.0
    #: The tenant holds no Microsoft Entra ID P2 / Governance licence: PIM endpoints answer
    #: ``400 AadPremiumLicenseRequired`` (``licence.py``).
    no_p2_licence: bool = False
    #: A group policy answers under a new id after its first change, the old id 404s
    #: (``group_policies.rotate``); off by default.
    rotate_group_policy_ids: bool = False

    def update(self, changes: dict[str, Any]) -> FaultConfig:
        known = {f.name: f for f in fields(self)}
        unknown = sorted(set(changes) - set(known))
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(unknown)}")
        clean: dict[str, Any] = {}
        for name, value in changes.items():
            if name == "abort_after_writes":
                clean[name] = None if value is None else int(value)
            elif name == "seed":
                clean[name] = int(value)
            elif name in ("respell", "no_p2_licence", "rotate_group_policy_ids"):
                if not isinstance(value, bool):
                    raise ValueError(f"{name} must be true or false, not {value!r}")
                clean[name] = value
            else:
                number = float(value)
                if number < 0 or (name.endswith("_rate") and number > 1):
                    raise ValueError(f"{name} out of range: {value!r}")
                clean[name] = number
        return replace(self, **clean)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Decision:
    delay_s: float = 0.0
    fault: FaultKind | None = None
    retry_after: str | None = None


class Faults:
    """Draws decisions from one seeded generator, so a seed replays the same run."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
        self.configure(config or FaultConfig())

    def configure(self, config: FaultConfig) -> None:
        with self._lock:
            self.config = config
            self._random = random.Random(config.seed)
            self.writes = 0

    def _retry_after(self) -> str:
        cap = max(self.config.retry_after_max, 0.0)
        if self._random.random() < 0.5:
            return str(max(1, min(int(cap) or 1, self._random.randint(1, 3))))
        # Graph sends fractional seconds too (e.g. "2.128", concepts/throttling.md).
        return f"{min(cap, self._random.uniform(0.001, 3.0)):.3f}"

    def decide(self, *, write: bool, inner: bool = False) -> Decision:
        """What happens to the next request (``inner``: a request inside ``$batch``)."""
        with self._lock:
            c = self.config
            delay = 0.0 if inner else c.latency_ms / 1000.0
            if not inner and c.spike_rate and self._random.random() < c.spike_rate:
                delay += c.spike_ms / 1000.0
            if write and c.abort_after_writes is not None and self.writes >= c.abort_after_writes:
                return Decision(delay, "abort")
            if c.throttle_rate and self._random.random() < c.throttle_rate:
                return Decision(delay, "throttle", self._retry_after())
            if not inner:
                if c.error_rate and self._random.random() < c.error_rate:
                    kind: FaultKind = "unavailable" if self._random.random() < 0.5 else "timeout"
                    return Decision(delay, kind)
                if c.reset_rate and self._random.random() < c.reset_rate:
                    return Decision(delay, "reset")
                if c.html_rate and self._random.random() < c.html_rate:
                    return Decision(delay, "html")
            if write:
                self.writes += 1
                if c.ghost_rate and self._random.random() < c.ghost_rate:
                    return Decision(delay, "ghost")
            return Decision(delay)
