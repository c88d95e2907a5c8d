"""Drift in words: what changed in the tenant, seen from the repository.

A plan's change holds the tenant's value as ``before`` and the repository's as ``after``.
Drift is read the other way round: the repository is what was applied, so a tenant that
allows 8 hours where the repository says 2 had its limit *raised in the tenant from 2 hours
to 8 hours*. How a difference is worded follows the setting's kind: durations and counts are
raised or lowered (no limit is the highest), switches turned on or off, lists gain or lose
entries, anything else is changed. ``render_drift`` (the ``drift`` command's issue body) and
the report use these words, so both say the same thing."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate, groupby
from typing import Any

from pim_gitops.plan import Plan, plan_document
from pim_gitops.render.markdown_text import fit, md_code, md_text
from pim_gitops.render.plan import GITHUB_COMMENT_LIMIT
from pim_gitops.render.plan_alerts import drift_alert_lines
from pim_gitops.render.plan_reviews import drift_review_lines
from pim_gitops.render.plan_text import text_heading
from pim_gitops.scopes import address_scope
from pim_gitops.targets import title
from pim_gitops.wire import DurationError, parse_duration
from pim_gitops.wording import plural

#: ``role id`` → (lastModifiedDateTime, lastModifiedBy) of the role's policy in the tenant.
Modified = dict[str, tuple[str | None, str | None]]

_SWITCHES = ("allow_permanent", "required", "default_recipients")
_LISTS = ("require", "approvers", "recipients")
_LEVELS: dict[Any, str] = {True: "critical only", False: "all", "none": "none", None: "none"}


def duration_words(seconds: int | None) -> str:
    """``1 hour``, ``8 hours``, ``15 days``; ``no limit`` for ``None``."""
    if seconds is None:
        return "no limit"
    hours, rest = divmod(seconds, 3600)
    if rest == 0 and hours % 24 == 0 and hours >= 24:
        days = hours // 24
        return f"{days} day{'s' if days != 1 else ''}"
    if rest == 0:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    minutes = seconds // 60
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _seconds(value: Any) -> int | None:
    if value is None:
        return None
    try:
        return parse_duration(str(value))
    except DurationError:
        return None


def setting_kind(path: str) -> str:
    """``duration``, ``switch``, ``list``, ``level`` or ``text``, from the setting's path."""
    leaf = path.rsplit(".", 1)[-1]
    if leaf == "max_duration":
        return "duration"
    if leaf in _SWITCHES:
        return "switch"
    if leaf in _LISTS:
        return "list"
    if leaf == "critical_only":
        return "level"
    return "text"


def value_words(path: str, value: Any) -> str:
    """A setting's value as the report shows it."""
    kind = setting_kind(path)
    if kind == "duration":
        return duration_words(_seconds(value))
    if kind == "switch":
        return "on" if value else "off"
    if kind == "list":
        return ", ".join(str(v) for v in value) if value else "none"
    if kind == "level":
        return _LEVELS.get(value, str(value))
    return "not set" if value in (None, "") else str(value)


def _duration_change(tenant: Any, repo: Any) -> str:
    """Raised or lowered; no limit counts as the highest."""
    t, r = _seconds(tenant), _seconds(repo)
    higher = r is not None and (t is None or t > r)
    verb = "raised" if higher else "lowered"
    return f"{verb} in the tenant from {duration_words(r)} to {duration_words(t)}"


def _list_change(tenant: Any, repo: Any) -> str:
    have, want = list(tenant or ()), list(repo or ())
    added = [v for v in have if v not in want]
    removed = [v for v in want if v not in have]
    parts = []
    if added:
        parts.append(", ".join(map(str, added)) + " added")
    if removed:
        parts.append(", ".join(map(str, removed)) + " removed")
    return "in the tenant, " + " and ".join(parts) if parts else "reordered in the tenant"


def setting_change_words(path: str, tenant: Any, repo: Any) -> str:
    """What changed in the tenant: ``raised in the tenant from 2 hours to 8 hours``."""
    kind = setting_kind(path)
    if kind == "duration":
        return _duration_change(tenant, repo)
    if kind == "switch":
        return f"turned {'on' if tenant else 'off'} in the tenant"
    if kind == "list":
        return _list_change(tenant, repo)
    if kind == "text" and repo in (None, ""):
        return f"set in the tenant to {tenant}"
    if kind == "text" and tenant in (None, ""):
        return f"cleared in the tenant (was {repo})"
    return f"changed in the tenant from {value_words(path, repo)} to {value_words(path, tenant)}"


def _span(value: dict[str, str]) -> str:
    end = value.get("end", "?")
    until = "permanent" if end == "permanent" else f"ends {end}"
    return f"starts {value['start']}, {until}" if "start" in value else until


def assignment_change_words(tenant: dict[str, str] | None, repo: dict[str, str] | None) -> str:
    """An assignment that differs, from the tenant's side."""
    if repo is None:
        return f"held in the tenant ({_span(tenant or {})}), not in the repository"
    if tenant is None:
        return f"in the repository ({_span(repo)}), not held in the tenant"
    return f"{_span(tenant)} in the tenant; the repository says {_span(repo)}"


@dataclass(frozen=True)
class DriftLine:
    """One difference: what it is about (a setting path or ``kind principal``) and words."""

    subject: str
    words: str


def modified_words(role_id: str, modified: Modified) -> str:
    """``last modified 2026-10-15T09:00:00Z by Portal admin``, or ``""`` when Graph says
    nothing."""
    when, who = modified.get(role_id, (None, None))
    if not when:
        return ""
    return f"last modified {when}" + (f" by {who}" if who else "")


def drift_line(change: dict[str, Any], modified: Modified | None = None) -> DriftLine:
    """One change of a plan document worded as drift, with the policy's last modification
    (when ``modified`` is given and Graph names it) and what the repository says."""
    tenant, repo = change["before"], change["after"]
    if change["kind"] == "assignment":
        subject = f"{change['schedule']} {change['principal']['ref']}"
        scope = address_scope(str(change.get("address", "")))
        subject += f" at {scope}" if scope else ""
        return DriftLine(subject, assignment_change_words(tenant, repo))
    path = change["path"]
    words = setting_change_words(path, tenant, repo)
    when = modified_words(change["role"]["id"], modified or {})
    tail = f"; {when}" if when else ""
    return DriftLine(path, f"{words}{tail}; the repository says {value_words(path, repo)}")


def drift_by_role(plan: Plan, modified: Modified) -> list[tuple[str, str, list[DriftLine]]]:
    """(role name, role id, its worded differences), in the plan's order."""
    changes: list[dict[str, Any]] = plan_document(plan)["changes"]
    out = []
    for (name, role_id), items in groupby(
        changes, key=lambda c: (c["role"]["name"], c["role"]["id"])
    ):
        out.append((name, role_id, [drift_line(c, modified) for c in items]))
    return out


def drift_total(plan: Plan) -> str:
    s = plan.summary
    return (
        f"Drift: {s.add} missing from the tenant, {s.change} changed there, "
        f"{s.remove} only in the tenant."
    )


#: Room kept for the closing total and the note on what was cut.
DRIFT_FOOTER_ROOM = 400
#: Room kept in a role section for its note on what was cut.
DRIFT_NOTE_ROOM = 120
#: Where the differences cut from the issue body are.
DRIFT_MORE = "`pim-gitops drift --format text` lists them all"


def _section(heading: str, lines: list[str]) -> str:
    return "\n".join([heading, "", *lines, ""]) + "\n"


def _shares(sizes: list[int], floors: list[int], room: int) -> list[int]:
    """Room for each section: its floor, then an equal share of what is left, the sections
    needing least first, so one that needs less than its share leaves the rest to others."""
    shares = list(floors)
    left = room - sum(floors)
    order = sorted(range(len(sizes)), key=lambda i: sizes[i] - floors[i])
    for done, index in enumerate(order):
        more = min(sizes[index] - floors[index], left // (len(sizes) - done))
        shares[index] += more
        left -= more
    return shares


def _drift_sections(plan: Plan, policies: Modified, room: int) -> tuple[list[str], int]:
    """Each role's section within its share of ``room``: its heading, the differences that
    fit and how many did not; the roles (in the plan's order) that have room for at least
    a heading and that count, and how many did not."""
    sections = []
    for role, role_id, items in drift_by_role(plan, policies):
        when = modified_words(role_id, policies)
        heading = f"#### {md_text(title(role_id, role))}" + (
            f" — policy {md_text(when)}" if when else ""
        )
        lines = [f"- {md_code(d.subject)}: {md_text(d.words)}" for d in items]
        sections.append((heading, lines, _section(heading, lines)))
    floors = [min(len(whole), len(heading) + DRIFT_NOTE_ROOM) for heading, _, whole in sections]
    kept = sum(1 for used in accumulate(floors) if used <= room)
    sizes = [len(whole) for _, _, whole in sections[:kept]]
    out = []
    for (heading, lines, whole), share in zip(
        sections[:kept], _shares(sizes, floors[:kept], room), strict=True
    ):
        if share >= len(whole):
            out.append(whole)
            continue
        shown, cut = fit(lines, share - len(heading) - DRIFT_NOTE_ROOM, gap=1)
        note = f"- _{plural(cut, 'more difference')} not shown; {DRIFT_MORE}._"
        out.append(_section(heading, [*shown, note]))
    return out, len(sections) - kept


def render_drift(plan: Plan, policies: Modified, *, limit: int = GITHUB_COMMENT_LIMIT) -> str:
    """A drift report (markdown) for an issue body: per role, what changed in the tenant
    against the repository, with who last modified the role's policy when Graph says so.
    At most ``limit`` characters (GitHub refuses a longer issue body): each role section
    keeps the differences that fit its share and counts the rest. Names and values from
    the tenant are escaped (``render/markdown_text.py``)."""
    if plan.empty:
        return "### PIM drift\n\nNo drift: the tenant matches the policy repository.\n"
    head = (
        "### PIM drift\n\n"
        "The tenant differs from the policy repository. `apply` would revert these changes:\n\n"
    )
    total = drift_total(plan) + "\n"
    sections, dropped = _drift_sections(
        plan, policies, limit - len(head) - len(total) - DRIFT_FOOTER_ROOM
    )
    if dropped:
        sections.append(f"_{plural(dropped, 'more role')} with drift not shown; {DRIFT_MORE}._\n\n")
    if reviews := drift_review_lines(plan):
        sections.append(_section("#### Access reviews", [f"- {md_text(w)}" for w in reviews]))
    if alerts := drift_alert_lines(plan):
        sections.append(_section("#### PIM alerts", [f"- {md_text(w)}" for w in alerts]))
    return head + "".join(sections) + total


def render_drift_text(plan: Plan, policies: Modified) -> str:
    """The same words as ``render_drift``, as plain text for a terminal or a log."""
    if plan.empty:
        return "No drift: the tenant matches the policy repository.\n"
    lines = []
    for role, role_id, items in drift_by_role(plan, policies):
        when = modified_words(role_id, policies)
        lines.append(text_heading(role_id, role) + (f" (policy {when})" if when else ""))
        lines += [f"  {d.subject}: {d.words}" for d in items]
        lines.append("")
    lines += [*drift_review_lines(plan), ""] if plan.review_changes else []
    lines += [*drift_alert_lines(plan), ""] if plan.alert_changes else []
    lines.append(drift_total(plan))
    return "\n".join(lines) + "\n"
