"""The per-control summary: for every published control the lint can cite (SCuBA MS.AAD.7.1v1
to 7.9v1, CIS 1.1.1-1.1.4 and 5.3.1-5.3.5), a result read from the lint result's findings and
the rule registry's control mapping, not from a second implementation of the checks.

* ``not checked``: no rule judges the control, or every rule that does was skipped (no
  tenant view), turned off, or not run in the view the table reads;
* ``fail``: an open (unwaived) error of a judging rule cites the control;
* ``warning``: only open warnings or infos cite it;
* ``accepted``: every finding citing it is covered by a waiver with a reason (one whose
  reason is still the baseline's placeholder is not yet reasoned: it accepts nothing, so
  a warning it waives still makes the control a ``warning``);
* ``pass``: the judging rules ran in the view and none cites the control.

The view is the tenant as it is (posture) when a tenant was read, else the repository (what
the tenant will be once applied), and the table says which."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from pim_gitops.lint.engine import Finding, LintResult
from pim_gitops.lint.references import CONTROLS, Control
from pim_gitops.lint.registry import Rule, View, catalogue
from pim_gitops.lint.waivers import PLACEHOLDER
from pim_gitops.render.report_doc import STATUS_CLASS, Cell, Para, Section, Table

#: How the report names each lint view.
VIEW_WORDS: dict[View, str] = {"policy": "repository", "posture": "tenant now"}
VIEW_LONG: dict[View, str] = {
    "policy": "the repository (what the tenant will be once applied)",
    "posture": "the tenant as it is",
}


#: Findings quoted as a control's evidence; the rest are counted.
EVIDENCE_SHOWN = 4


@dataclass(frozen=True)
class ControlResult:
    control: Control
    result: str
    rules: tuple[str, ...]
    evidence: tuple[str, ...]


def read_view(lint: LintResult) -> View:
    """The view the control table reads: the tenant's when it was linted."""
    return "posture" if "posture" in lint.views else "policy"


def view_findings(lint: LintResult, view: View) -> list[Finding]:
    """The view's findings, with the posture findings the policy view shows in its place
    (``LintResult.folded``: the same problem, which the repository keeps)."""
    shown = [f for f in lint.findings if f.view == view]
    return shown + (list(lint.folded) if view == "posture" else [])


def judging_rules(control_id: str, rules: Iterable[Rule]) -> list[Rule]:
    return [r for r in rules if control_id in r.controls]


def _not_run_words(item: Rule, lint: LintResult) -> str:
    """Why a rule did not run in this lint, and how ``pim.yaml`` runs it (the report has no
    ``--select``: it lints as ``pim.yaml`` says)."""
    code = item.code
    if code in lint.not_run:
        return (
            f"{code} was not run (turned off in pim.yaml: lint.select, lint.ignore or "
            f"lint.rules.{code}.enabled: false)"
        )
    if lint.preset not in item.presets:
        instead = "".join(f" or preset {p}" for p in item.presets if p != "strict")
        return (
            f"{code} is not in preset {lint.preset}; `lint: {{extend_select: [{code}]}}` "
            f"in pim.yaml (`lint --extend-select {code}`){instead}"
        )
    return f"{code} was not run"


def _unchecked_reason(judges: Sequence[Rule], lint: LintResult, view: View) -> str | None:
    """Why the judging rules say nothing about the control in this view (``None``: one ran
    in it, with the tenant it needs): read from ``LintResult.ran``, never assumed."""
    if not judges:
        return "no rule of pim-gitops judges this control"
    ran = dict(lint.ran)
    if any(view in ran.get(r.code, ()) and r.code not in lint.skipped for r in judges):
        return None
    if any(r.code in lint.skipped for r in judges):
        return "needs a tenant view (offline: give --snapshot or --live)"
    if all(view not in r.views for r in judges):
        return f"its rules do not judge {VIEW_LONG[view]}"
    idle = [r for r in judges if r.code in ran and r.applies_words]
    if idle:
        return "; ".join(f"{r.code} had nothing to judge: {r.applies_words}" for r in idle)
    words = [_not_run_words(r, lint) for r in judges if r.code not in ran]
    return "; ".join(words) or f"its rules did not run on {VIEW_LONG[view]}"


def reasoned(reason: str | None) -> bool:
    """A waiver's reason says why (it is not the placeholder ``lint --baseline`` writes)."""
    return reason is not None and not reason.startswith(PLACEHOLDER)


def waived_words(finding: Finding) -> str:
    """How the report names a waived finding: accepted only when the waiver says why."""
    if reasoned(finding.waived):
        return f"accepted: {finding.waived}"
    return "waived by a waiver not yet reasoned"


def _result(cited: Sequence[Finding]) -> str:
    open_ = [f for f in cited if not reasoned(f.waived)]
    if any(f.severity == "error" for f in open_):
        return "fail"
    if open_:
        return "warning"
    return "accepted" if cited else "pass"


def _finding_words(finding: Finding) -> str:
    accepted = f" ({waived_words(finding)})" if finding.waived else ""
    return f"{finding.rule} {finding.severity}: {finding.message}{accepted}"


def control_results(
    lint: LintResult,
    facts: Callable[[str], tuple[str, ...]] = lambda _id: (),
    rules: Sequence[Rule] | None = None,
) -> list[ControlResult]:
    """One result per published control, in the baselines' order. ``facts(control_id)``
    adds what was looked at (``2 Global Administrators: a, b``) to a result's evidence."""
    every = catalogue() if rules is None else list(rules)
    view = read_view(lint)
    findings = view_findings(lint, view)
    out = []
    for control in CONTROLS.values():
        judges = judging_rules(control.id, every)
        codes = tuple(r.code for r in judges)
        why = _unchecked_reason(judges, lint, view)
        if why is not None:
            out.append(ControlResult(control, "not checked", codes, (why,)))
            continue
        cited = [f for f in findings if control.id in f.controls and f.rule in codes]
        result = _result(cited)
        evidence = tuple(_finding_words(f) for f in cited[:EVIDENCE_SHOWN])
        if len(cited) > EVIDENCE_SHOWN:
            evidence += (f"and {len(cited) - EVIDENCE_SHOWN} more (see the roles' findings)",)
        if not cited:
            evidence = (f"{', '.join(codes)} found nothing in {VIEW_LONG[view]}",)
        out.append(ControlResult(control, result, codes, evidence + facts(control.id)))
    return out


def _short(text: str) -> str:
    """The control's requirement: its text up to the first ``...`` or full stop."""
    head = text.split(" ... ", 1)[0]
    first = head.split(". ", 1)[0]
    return first if first.endswith(".") else first + "."


def controls_section(lint: LintResult, facts: Callable[[str], tuple[str, ...]]) -> Section:
    results = control_results(lint, facts)
    view = read_view(lint)
    counts = {word: sum(1 for r in results if r.result == word) for word in STATUS_CLASS}
    summary = ", ".join(f"{n} {word}" for word, n in counts.items() if n)
    rows = tuple(
        (
            Cell(r.control.id),
            Cell(_short(r.control.text)),
            Cell(r.result, STATUS_CLASS[r.result]),
            Cell(", ".join(r.rules) or "none"),
            Cell("; ".join(r.evidence)),
        )
        for r in results
    )
    return Section(
        "controls",
        "Controls",
        (
            Para(
                f"Judged on {VIEW_LONG[view]} ({VIEW_WORDS[view]} view), from the lint "
                f"findings and the controls each rule cites: {summary}. A control no rule "
                "judges is not checked, never passed."
            ),
            Table(
                ("Control", "Requirement", "Result", "Rules", "Evidence"),
                rows,
                name="controls",
            ),
        ),
    )
