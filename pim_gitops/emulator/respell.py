"""Re-spelling of policy reads: the same meaning, written another way.

With ``FaultConfig.respell`` on, every read of role management policy rules renders the
stored rules differently from how they were written, the way a server with its own
serializer may: durations in other ISO 8601 units (``PT8H`` → ``PT480M``, ``P1D`` →
``PT24H``), the ``rules`` array in another order, ``notificationRecipients`` in another case
and order, ``enabledRules`` and approvers reordered, a disabled authentication context's
``claimValue`` as ``""`` instead of ``null`` (or the reverse), ``target.operations`` as
``All`` for ``all``. Writes still store what was written; only the rendering changes.

Every choice is drawn from a generator seeded by (seed, policy, rule, field), so one seed
gives the same bytes on every read of unchanged content: fingerprints of a rule stay stable
between a plan and its apply, as they would against a deterministic server.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pim_gitops.wire import DurationError, parse_duration

T = TypeVar("T")

DAY, HOUR, MINUTE = 86400, 3600, 60


def _clock(seconds: int) -> str:
    """``H``/``M``/``S`` components of a time part, largest unit first (``8H``, ``1H30M``)."""
    hours, rest = divmod(seconds, HOUR)
    minutes, secs = divmod(rest, MINUTE)
    parts = [(hours, "H"), (minutes, "M"), (secs, "S")]
    return "".join(f"{n}{unit}" for n, unit in parts if n) or "0S"


def duration_spellings(seconds: int) -> list[str]:
    """Every spelling of ``seconds`` the emulator may answer with, sorted: days, hours,
    minutes and seconds only, as Graph accepts (no weeks, months or years)."""
    if seconds < 0:
        raise DurationError("negative durations have no spelling")
    found = {f"PT{seconds}S", "PT" + _clock(seconds), "P0DT" + _clock(seconds)}
    if seconds % MINUTE == 0:
        found.add(f"PT{seconds // MINUTE}M")
    if seconds % HOUR == 0:
        found.add(f"PT{seconds // HOUR}H")
    days, rest = divmod(seconds, DAY)
    if days:
        found.add(f"P{days}D" if not rest else f"P{days}DT{_clock(rest)}")
        if rest == 0:
            found.add(f"P{days}DT0H")
    return sorted(found)


def _reordered(items: Sequence[T], rng: random.Random) -> list[T]:
    """A permutation of ``items`` that differs from the original whenever one can."""
    out = list(items)
    rng.shuffle(out)
    if out == list(items) and len(out) > 1:
        out = out[1:] + out[:1]
    return out


def _recased(address: str, rng: random.Random) -> str:
    """The same address with its letters in another case (never the original spelling)."""
    styles = [address.upper(), address.lower(), address.swapcase(), address.title()]
    others = sorted({s for s in styles if s != address})
    return rng.choice(others) if others else address


def _flipped(operation: str) -> str:
    """``all`` ↔ ``All``: Graph answers both casings of a target's operations (samples)."""
    lower = operation.lower()
    return lower[:1].upper() + lower[1:] if operation == lower else lower


@dataclass(frozen=True)
class Respeller:
    """Renders stored policies and rules with deterministic, meaning-preserving changes."""

    seed: int = 0

    def _rng(self, *where: str) -> random.Random:
        return random.Random(":".join((str(self.seed), *where)))

    def duration(self, text: str, *where: str) -> str:
        """Another spelling of the duration ``text``; ``text`` itself if it does not parse."""
        try:
            seconds = parse_duration(text)
        except DurationError:
            return text
        others = [s for s in duration_spellings(seconds) if s != text.strip().upper()]
        return self._rng(*where, "duration").choice(others) if others else text

    def rule(self, policy_id: str, rule: Mapping[str, Any]) -> dict[str, Any]:
        """One rule as the respelling server shows it (a deep copy; ``rule`` is untouched)."""
        out = copy.deepcopy(dict(rule))
        where = (policy_id, str(out.get("id", "")))
        kind = where[1].split("_", 1)[0]  # rule ids name their type: Expiration_Admin_…
        if kind == "Expiration" and isinstance(out.get("maximumDuration"), str):
            out["maximumDuration"] = self.duration(out["maximumDuration"], *where)
        elif kind == "Enablement" and isinstance(out.get("enabledRules"), list):
            out["enabledRules"] = _reordered(out["enabledRules"], self._rng(*where, "enabled"))
        elif kind == "AuthenticationContext" and not out.get("isEnabled"):
            out["claimValue"] = "" if out.get("claimValue") is None else None
        elif kind == "Notification" and isinstance(out.get("notificationRecipients"), list):
            rng = self._rng(*where, "recipients")
            recipients = [
                _recased(r, rng) if isinstance(r, str) else r for r in out["notificationRecipients"]
            ]
            out["notificationRecipients"] = _reordered(recipients, rng)
        elif kind == "Approval" and isinstance(out.get("setting"), dict):
            self._approvers(out["setting"], where)
        target = out.get("target")
        if isinstance(target, dict) and isinstance(target.get("operations"), list):
            target["operations"] = [
                _flipped(o) if isinstance(o, str) else o for o in target["operations"]
            ]
        return out

    def _approvers(self, setting: dict[str, Any], where: tuple[str, ...]) -> None:
        for index, stage in enumerate(setting.get("approvalStages") or []):
            if not isinstance(stage, dict):
                continue
            for key in ("primaryApprovers", "escalationApprovers"):
                if isinstance(stage.get(key), list):
                    stage[key] = _reordered(stage[key], self._rng(*where, str(index), key))

    def rules(self, policy_id: str, rules: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """A policy's rules, each respelled, in another order."""
        shown = [self.rule(policy_id, r) for r in rules]
        return _reordered(shown, self._rng(policy_id, "order"))
