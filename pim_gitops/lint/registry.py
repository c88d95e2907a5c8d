"""The rule registry: ``@rule`` stores one frozen ``Rule`` per code, read by the engine, the
``rules`` command, the docs and SARIF. A duplicate code fails at import."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pim_gitops.lint.docstring import RuleDoc, parse_rule_doc
from pim_gitops.lint.pattern_safety import nested_repeat
from pim_gitops.lint.references import CONTROLS
from pim_gitops.wire import DurationError, parse_duration

if TYPE_CHECKING:
    from pim_gitops.lint.engine import Finding, LintContext

Severity = Literal["error", "warning", "info"]
OptionValue = bool | int | str | tuple[str, ...]
OptionKind = Literal["flag", "integer", "duration", "names", "pattern"]
PRESETS = ("default", "cisa", "cis", "strict")
FAMILIES = {
    "ACT": "activation",
    "ALR": "PIM alerts",
    "APR": "approval",
    "ASG": "assignments",
    "GEN": "structure",
    "HIS": "request history",
    "NTF": "notifications",
    "REV": "access reviews",
}
#: When a rule runs: over the policy (and tenant), or over the waivers once they are applied.
Phase = Literal["policy", "waivers"]
#: What a finding is about. ``policy``: the repository, offline, as apply will make the
#: tenant (managed roles). ``posture``: the tenant as it is now (a snapshot or the live
#: tenant), every role, managed or not; the baselines' control ids describe this view.
View = Literal["policy", "posture"]
VIEWS: tuple[View, ...] = ("policy", "posture")

Check = Callable[["LintContext"], Iterable["Finding"]]
#: Whether a view has anything for a rule to judge (``Rule.applies``).
Applies = Callable[["LintContext"], bool]


@dataclass(frozen=True)
class Option:
    """A typed rule option, set under ``lint.rules.<CODE>.options``. ``default`` ``None``
    means the rule picks the value from the preset (``help`` says how)."""

    name: str
    kind: OptionKind
    default: OptionValue | None
    help: str

    def problem(self, value: object) -> str | None:
        """Why ``value`` is not a valid setting of this option (``None`` when it is)."""
        if self.kind == "flag":
            return None if isinstance(value, bool) else "expected true or false"
        if self.kind == "integer":
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
            return None if ok else "expected a whole number, 0 or more"
        if self.kind == "names":
            ok = isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)
            return None if ok else "expected a list of names"
        if self.kind == "pattern":
            return _pattern_problem(value)
        if not isinstance(value, str):
            return "expected an ISO 8601 duration such as PT8H or P365D"
        try:
            parse_duration(value)
        except DurationError as exc:
            return str(exc)
        return None

    @property
    def shown_default(self) -> str:
        if self.default is None:
            return "none" if self.kind == "pattern" else "by preset"
        if isinstance(self.default, bool):
            return "true" if self.default else "false"
        if isinstance(self.default, tuple):
            return "[" + ", ".join(self.default) + "]"
        return str(self.default)


def _pattern_problem(value: object) -> str | None:
    if not isinstance(value, str):
        return "expected a regular expression such as ^CHG[0-9]+$"
    try:
        re.compile(value)
    except re.error as exc:
        return f"not a regular expression: {exc}"
    if nested_repeat(value):
        return (
            "a repeat inside a repeat can take exponential time on a crafted text (Python's "
            "re backtracks); write it without nesting, such as ^CHG[0-9]+$"
        )
    return None


def pattern(name: str, default: str | None, help: str) -> Option:
    """A regular expression (Python's ``re``), matched with ``re.search``."""
    return Option(name, "pattern", default, help)


def flag(name: str, default: bool, help: str) -> Option:
    return Option(name, "flag", default, help)


def integer(name: str, default: int | None, help: str) -> Option:
    return Option(name, "integer", default, help)


def duration(name: str, default: str | None, help: str) -> Option:
    return Option(name, "duration", default, help)


def names(name: str, default: tuple[str, ...] | None, help: str) -> Option:
    return Option(name, "names", default, help)


@dataclass(frozen=True)
class Rule:
    """A registered rule: metadata, documentation (from the docstring) and its check."""

    code: str
    name: str
    severity: Severity
    check: Check
    doc: RuleDoc
    #: CISA SCuBA ids (``MS.AAD.7.4v1``) this rule decides, exactly as the baseline words them.
    scuba: tuple[str, ...] = ()
    #: CIS Microsoft 365 Foundations Benchmark recommendation ids, v5.0.0 numbering
    #: (unchanged in v6.0.x); every id is one of ``references.CONTROLS``.
    cis: tuple[str, ...] = ()
    presets: tuple[str, ...] = PRESETS
    #: The policy view needs tenant facts (principals' attributes); the posture view
    #: always has them.
    needs_tenant: bool = False
    options: tuple[Option, ...] = ()
    phase: Phase = "policy"
    views: tuple[View, ...] = VIEWS
    #: The part of the rule that reads tenant facts, when only a part does (the rest runs
    #: offline): without a tenant view that part is not run and the rule is listed under
    #: ``skipped``. Shown on the rule's page.
    needs_tenant_for: str = ""
    #: Whether the view has anything to judge (access reviews: declared, or read); a view
    #: where it has not is not counted as run (``LintResult.ran``), so a control the rule
    #: decides is "not checked" there, never "pass". ``applies_words`` says when it has.
    applies: Applies | None = None
    applies_words: str = ""

    def judges(self, ctx: LintContext) -> bool:
        """The view of ``ctx`` has something for this rule to judge (``applies``)."""
        return self.applies is None or self.applies(ctx)

    @property
    def family(self) -> str:
        return FAMILIES[self.code[:3]]

    @property
    def controls(self) -> tuple[str, ...]:
        return self.scuba + tuple(f"CIS {c}" for c in self.cis)

    @property
    def tenant_view(self) -> Literal["yes", "partly", "no"]:
        """Whether the rule needs a tenant view: ``yes`` (``needs_tenant``, or it runs in
        the posture view only), ``partly`` (``needs_tenant_for``) or ``no``."""
        if self.needs_tenant or (self.phase == "policy" and "policy" not in self.views):
            return "yes"
        return "partly" if self.needs_tenant_for else "no"

    @property
    def title(self) -> str:
        return self.doc.title

    @property
    def rationale(self) -> str:
        return self.doc.section("Why")

    def option(self, name: str) -> Option:
        for item in self.options:
            if item.name == name:
                return item
        raise KeyError(f"{self.code} reads option {name!r}, which its @rule does not declare")


_SCUBA = re.compile(r"MS\.AAD\.\d+\.\d+v\d+")
_CIS = re.compile(r"\d+(\.\d+)+")


def _validate_references(code: str, scuba: Iterable[str], cis: Iterable[str]) -> None:
    bad = [s for s in scuba if not _SCUBA.fullmatch(s)] + [c for c in cis if not _CIS.fullmatch(c)]
    if bad:
        raise ValueError(f"{code}: control references must be like MS.AAD.7.4v1 or 1.1.1: {bad}")
    unknown = [s for s in scuba if s not in CONTROLS] + [
        c for c in cis if f"CIS {c}" not in CONTROLS
    ]
    if unknown:
        raise ValueError(
            f"{code}: unknown control ids {unknown}: a rule cites only the published controls "
            "of lint/references.py (SCuBA MS.AAD.7.1v1-7.9v1, CIS v5.0.0 1.1.1-1.1.4, 5.3.1-5.3.5)"
        )


def _validate_options(code: str, options: Iterable[Option]) -> None:
    names = [o.name for o in options]
    if len(set(names)) != len(names):
        raise ValueError(f"{code}: duplicate option names {names}")
    for option in options:
        if option.default is not None and option.problem(option.default) is not None:
            raise ValueError(f"{code}: option {option.name}: bad default {option.default!r}")


def _validate(
    code: str, name: str, severity: str, presets: Iterable[str], views: Iterable[str]
) -> None:
    if code[:3] not in FAMILIES or len(code) != 6 or not code[3:].isdigit():
        raise ValueError(f"rule code {code!r}: a family prefix ({', '.join(FAMILIES)}) + 3 digits")
    if not name or name != name.lower() or " " in name:
        raise ValueError(f"{code}: rule names are kebab-case, not {name!r}")
    if severity not in ("error", "warning", "info"):
        raise ValueError(f"{code}: unknown severity {severity!r}")
    unknown = sorted(set(presets) - set(PRESETS))
    if unknown:
        raise ValueError(f"{code}: unknown presets {unknown}")
    if not views or set(views) - set(VIEWS):
        raise ValueError(f"{code}: views must be some of {VIEWS}, not {tuple(views)}")


class Registry:
    """Rule code → rule; filled by ``@rule`` as the family modules are imported."""

    def __init__(self) -> None:
        self._rules: dict[str, Rule] = {}

    def add(self, item: Rule) -> Rule:
        if item.code in self._rules:
            raise ValueError(f"duplicate rule code {item.code}")
        if any(r.name == item.name for r in self._rules.values()):
            raise ValueError(f"duplicate rule name {item.name}")
        self._rules[item.code] = item
        return item

    def __contains__(self, code: object) -> bool:
        return code in self._rules

    def get(self, code: str) -> Rule | None:
        return self._rules.get(code)

    def codes(self) -> list[str]:
        return sorted(self._rules)

    def rules(self) -> list[Rule]:
        return [self._rules[c] for c in sorted(self._rules)]


REGISTRY = Registry()


def rule(
    *,
    code: str,
    name: str,
    severity: Severity,
    scuba: tuple[str, ...] = (),
    cis: tuple[str, ...] = (),
    presets: tuple[str, ...] = PRESETS,
    needs_tenant: bool = False,
    options: tuple[Option, ...] = (),
    phase: Phase = "policy",
    views: tuple[View, ...] = VIEWS,
    needs_tenant_for: str = "",
    applies: Applies | None = None,
    applies_words: str = "",
    registry: Registry = REGISTRY,
) -> Callable[[Check], Check]:
    """Register a check as rule ``code``; its docstring is the documentation. The rule
    modules call it after the function (``rule(code=...)(check)``) rather than as a
    decorator: mutmut does not mutate decorated functions, and every threshold of a rule
    must be mutated (``make mutate``)."""
    _validate(code, name, severity, presets, views)
    _validate_references(code, scuba, cis)
    _validate_options(code, options)

    def register(check: Check) -> Check:
        doc = parse_rule_doc(code, check.__doc__)
        registry.add(
            Rule(
                code,
                name,
                severity,
                check,
                doc,
                scuba,
                cis,
                presets,
                needs_tenant,
                options,
                phase,
                views,
                needs_tenant_for,
                applies,
                applies_words,
            )
        )
        return check

    return register


def catalogue() -> list[Rule]:
    """Every rule, sorted by code."""
    import pim_gitops.lint.rules  # noqa: F401  (registers the rules)

    return REGISTRY.rules()


def iter_rules(codes: Iterable[str] | None = None) -> Iterator[Rule]:
    """The rules named by code (any case) or by name; all of them when ``codes`` is empty."""
    wanted = {c.upper() for c in codes} if codes else None
    names = {c.lower() for c in codes} if codes else set()
    for item in catalogue():
        if wanted is None or item.code in wanted or item.name in names:
            yield item
