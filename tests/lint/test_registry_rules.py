"""What ``@rule`` records and refuses, and what a typed option accepts: the registry's contract
with rule authors, checked on a fresh ``Registry`` so the real catalogue is untouched."""

from __future__ import annotations

import re
from typing import Any

import pytest

from pim_gitops.lint.registry import (
    PRESETS,
    Option,
    Registry,
    duration,
    flag,
    integer,
    iter_rules,
    rule,
)
from tests.lint.test_registry import DOC, _check


def registered(**kwargs: Any) -> Any:
    registry = Registry()
    settings: dict[str, Any] = {"code": "ACT901", "name": "a-rule", "severity": "info"}
    _check.__doc__ = DOC
    rule(**(settings | kwargs), registry=registry)(_check)
    (item,) = registry.rules()
    return item


def test_a_rule_records_every_piece_of_its_metadata() -> None:
    options = (integer("days", 90, "Longest age."), flag("strict", False, "Be strict."))
    item = registered(
        code="APR901",
        name="approvers-unreviewed",
        severity="error",
        scuba=("MS.AAD.7.6v1",),
        cis=("5.3.4",),
        presets=("cisa", "strict"),
        needs_tenant=True,
        options=options,
        phase="waivers",
    )
    assert (item.code, item.name, item.severity, item.check) == (
        "APR901",
        "approvers-unreviewed",
        "error",
        _check,
    )
    assert (item.scuba, item.cis, item.controls) == (
        ("MS.AAD.7.6v1",),
        ("5.3.4",),
        ("MS.AAD.7.6v1", "CIS 5.3.4"),
    )
    assert (item.presets, item.needs_tenant, item.options, item.phase) == (
        ("cisa", "strict"),
        True,
        options,
        "waivers",
    )
    assert (item.title, item.rationale, item.family) == ("A title", "y", "approval")
    assert item.option("days") == options[0]


def test_a_rule_by_default_runs_in_every_preset_over_the_policy_alone() -> None:
    item = registered()
    assert (item.presets, item.needs_tenant, item.options, item.phase) == (
        PRESETS,
        False,
        (),
        "policy",
    )
    with pytest.raises(KeyError, match="ACT901 reads option 'days', which its @rule does not"):
        item.option("days")


@pytest.mark.parametrize("severity", ["error", "warning", "info"])
def test_each_severity_is_accepted(severity: str) -> None:
    assert registered(severity=severity).severity == severity


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"code": "ZZZ001"},
            "rule code 'ZZZ001': a family prefix (ACT, ALR, APR, ASG, GEN, HIS, NTF, REV) "
            "+ 3 digits",
        ),
        ({"code": "ACTX01"}, "rule code 'ACTX01'"),
        ({"code": "ACT0001"}, "rule code 'ACT0001'"),
        ({"name": ""}, "ACT901: rule names are kebab-case, not ''"),
        ({"name": "two words"}, "ACT901: rule names are kebab-case, not 'two words'"),
        ({"name": "Upper"}, "kebab-case"),
        ({"severity": "ERROR"}, "ACT901: unknown severity 'ERROR'"),
        ({"presets": ("cisa", "paranoid")}, "ACT901: unknown presets ['paranoid']"),
        ({"scuba": ("MS.AAD.7.4",)}, "ACT901: control references must be like"),
        ({"options": (integer("days", -1, "x"),)}, "ACT901: option days: bad default -1"),
    ],
)
def test_bad_metadata_is_refused_naming_the_rule(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        registered(**kwargs)


def test_an_option_left_to_the_preset_or_with_a_good_default_is_accepted() -> None:
    options = (
        integer("min", None, "By preset."),
        duration("max", "PT8H", "x"),
        flag("f", True, "y"),
    )
    assert registered(options=options).options == options


def test_two_rules_may_not_share_a_name() -> None:
    registry = Registry()
    _check.__doc__ = DOC
    rule(code="ACT901", name="same", severity="info", registry=registry)(_check)
    rule(code="ACT902", name="other", severity="info", registry=registry)(_check)
    with pytest.raises(ValueError, match="duplicate rule name same"):
        rule(code="ACT903", name="same", severity="info", registry=registry)(_check)
    assert registry.codes() == ["ACT901", "ACT902"]
    assert "ACT902" in registry and registry.get("ACT902") is not None
    assert registry.get("ACT903") is None


# --- options ----------------------------------------------------------------------------------


def test_option_builders_carry_name_kind_default_and_help() -> None:
    assert flag("strict", True, "Be strict.") == Option("strict", "flag", True, "Be strict.")
    assert integer("days", 90, "Age.") == Option("days", "integer", 90, "Age.")
    assert duration("max", "PT8H", "Longest.") == Option("max", "duration", "PT8H", "Longest.")


@pytest.mark.parametrize(
    ("option", "value", "problem"),
    [
        (flag("f", True, ""), True, None),
        (flag("f", True, ""), 1, "expected true or false"),
        (integer("n", 1, ""), 0, None),
        (integer("n", 1, ""), 7, None),
        (integer("n", 1, ""), -1, "expected a whole number, 0 or more"),
        (integer("n", 1, ""), True, "expected a whole number, 0 or more"),
        (integer("n", 1, ""), "3", "expected a whole number, 0 or more"),
        (duration("d", None, ""), "P30D", None),
        (duration("d", None, ""), 30, "expected an ISO 8601 duration such as PT8H or P365D"),
    ],
)
def test_what_each_kind_of_option_accepts(
    option: Option, value: object, problem: str | None
) -> None:
    assert option.problem(value) == problem


def test_a_malformed_duration_option_says_why() -> None:
    problem = duration("d", None, "").problem("8 hours")
    assert problem is not None and "8 hours" in problem


def test_shown_defaults() -> None:
    shown = [
        o.shown_default
        for o in (
            integer("n", None, ""),
            flag("f", True, ""),
            flag("g", False, ""),
            integer("m", 3, ""),
        )
    ]
    assert shown == ["by preset", "true", "false", "3"]


# --- looking rules up -------------------------------------------------------------------------


def test_iter_rules_finds_by_code_in_any_case_or_by_name_and_all_without_a_query() -> None:
    every = [r.code for r in iter_rules()]
    assert every == sorted(every) and "ACT001" in every and len(every) > 10
    assert [r.code for r in iter_rules([])] == every
    name = next(iter_rules(["ACT001"])).name
    assert [r.code for r in iter_rules(["act001"])] == ["ACT001"]
    assert [r.code for r in iter_rules([name.upper()])] == ["ACT001"]
    assert list(iter_rules(["nothing-like-this"])) == []
