"""``lint.rules`` checked against the registry: an unknown rule code, an unknown option or a
value of the wrong type is an error at its place in the tenant file (``file:line:col``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from difflib import get_close_matches

from pim_gitops.compile import DesiredState
from pim_gitops.errors import LintConfigError, Location
from pim_gitops.lint.registry import Rule
from pim_gitops.model import RuleOverride


def _hint(word: str, known: Iterable[str]) -> str:
    close = get_close_matches(word, list(known), n=1)
    return f"; did you mean {close[0]}?" if close else ""


def _locate(desired: DesiredState, path: tuple[str | int, ...], *, value: bool = False) -> Location:
    source = desired.tenant_source
    if source is None:
        return Location(desired.tenant_file, 1, 1)
    return source.value(path) if value else source.key(path)


def _option_problems(
    desired: DesiredState, item: Rule, override: RuleOverride
) -> Iterator[tuple[Location, str]]:
    known = {o.name: o for o in item.options}
    base = ("lint", "rules", item.code, "options")
    for name, value in sorted((override.options or {}).items()):
        option = known.get(name)
        if option is None:
            offered = ", ".join(sorted(known)) or "none"
            yield (
                _locate(desired, (*base, name)),
                f"lint.rules.{item.code}: unknown option {name!r} (options: {offered})"
                + _hint(name, known),
            )
            continue
        problem = option.problem(value)
        if problem is not None:
            yield (
                _locate(desired, (*base, name), value=True),
                f"lint.rules.{item.code}.options.{name}: {problem}, got {value!r}",
            )


def _selector_problems(desired: DesiredState, rules: list[Rule]) -> Iterator[tuple[Location, str]]:
    """A ``lint.select`` / ``extend_select`` / ``ignore`` entry that names no rule."""
    from pim_gitops.lint.selection import matches

    for key in ("select", "extend_select", "ignore"):
        for index, word in enumerate(getattr(desired.lint, key) or ()):
            if not any(matches(word, r) for r in rules):
                yield (
                    _locate(desired, ("lint", key, index), value=True),
                    f"lint.{key}: {word!r} names no rule (a code such as ASG001, a prefix "
                    "such as ASG, a rule name, or ALL)"
                    + _hint(word.upper(), [r.code for r in rules]),
                )


def override_problems(desired: DesiredState, rules: Iterable[Rule]) -> list[tuple[Location, str]]:
    """Every problem of ``lint.rules`` and of the rule selection, located, sorted by place."""
    rules = list(rules)
    by_code = {r.code: r for r in rules}
    problems: list[tuple[Location, str]] = list(_selector_problems(desired, rules))
    for code, override in desired.lint.rules.items():
        item = by_code.get(code)
        if item is None:
            problems.append(
                (
                    _locate(desired, ("lint", "rules", code)),
                    f"lint.rules names an unknown rule {code!r}" + _hint(code, by_code),
                )
            )
            continue
        problems.extend(_option_problems(desired, item, override))
    return sorted(problems)


def check_overrides(desired: DesiredState, rules: Iterable[Rule]) -> None:
    """Raise ``LintConfigError`` listing every problem of ``lint.rules`` as file:line:col."""
    problems = override_problems(desired, rules)
    if problems:
        raise LintConfigError("\n".join(f"{where}: {message}" for where, message in problems))
