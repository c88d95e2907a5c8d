"""Which rules run, like ruff's ``select`` / ``extend-select`` / ``ignore``: a selector is
``ALL``, a rule code or a prefix of codes (``ASG``, ``ASG00``), or a rule name. Without
``select`` the preset decides (and ``lint.rules.<CODE>.enabled``); ``extend_select`` adds,
``ignore`` removes. The command line's lists replace those of ``pim.yaml``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from difflib import get_close_matches

from pim_gitops.errors import LintConfigError
from pim_gitops.lint.registry import Rule
from pim_gitops.model import LintSettings


def matches(selector: str, item: Rule) -> bool:
    """An empty selector matches nothing (it would otherwise prefix every code)."""
    word = selector.strip()
    if not word:
        return False
    return word.upper() == "ALL" or item.code.startswith(word.upper()) or item.name == word


def _pick(selectors: Iterable[str], rules: list[Rule], flag: str) -> set[str]:
    picked: set[str] = set()
    for selector in selectors:
        found = {r.code for r in rules if matches(selector, r)}
        if not found:
            close = get_close_matches(selector.strip().upper(), [r.code for r in rules], n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise LintConfigError(
                f"{flag}: {selector!r} names no rule (a code such as ASG001, a prefix such "
                f"as ASG, a rule name, or ALL; see `pim-gitops rules`){hint}"
            )
        picked |= found
    return picked


@dataclass(frozen=True)
class Selection:
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] | None = None

    def over(self, config: LintSettings) -> Selection:
        """This selection (the command line's) over ``pim.yaml``'s: a list given here
        replaces the file's."""
        return Selection(
            self.select if self.select is not None else config.select,
            self.ignore if self.ignore is not None else config.ignore,
            self.extend_select if self.extend_select is not None else config.extend_select,
        )

    def chosen(self, rules: list[Rule], by_preset: Callable[[Rule], bool]) -> set[str]:
        """The codes of the rules that run."""
        if self.select:
            base = _pick(self.select, rules, "select")
        else:
            base = {r.code for r in rules if by_preset(r)}
        base |= _pick(self.extend_select or (), rules, "extend-select")
        return base - _pick(self.ignore or (), rules, "ignore")
