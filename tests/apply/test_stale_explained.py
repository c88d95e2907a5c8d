"""How a stale plan explains a change (apply/stale.py): a set listed in another order is no
change, an added property shows its value, a policy gone without a read error says so."""

from __future__ import annotations

from dataclasses import replace

from pim_gitops.apply.stale import explain_difference, staleness
from pim_gitops.plan import Plan, RulePatch
from pim_gitops.state import TenantState
from tests.test_stale import made  # noqa: F401  (the module-scoped fixture)


def test_a_set_in_another_order_is_no_change() -> None:
    before = {"enabledRules": ["MultiFactorAuthentication", "Justification"]}
    after = {"enabledRules": ["Justification", "MultiFactorAuthentication"]}
    assert explain_difference(before, after) == []


def test_changed_and_added_values_are_shown() -> None:
    assert explain_difference({"a": 1}, {"a": 2, "b": "x"}) == ["a: 1 → 2", "b: (none) → x"]


def test_created_and_removed() -> None:
    assert explain_difference(None, {"a": 1}) == ["created"]
    assert explain_difference({"a": 1}, None) == ["removed"]
    assert explain_difference({}, {"a": 1}) == ["created"]
    assert explain_difference({"a": 1}, {}) == ["removed"]


def test_a_policy_gone_without_a_read_error_is_named(made: tuple[Plan, TenantState]) -> None:  # noqa: F811
    plan, state = made
    op = next(op for op in plan.operations if isinstance(op, RulePatch))
    policies = {k: v for k, v in state.policies.items() if k != op.role.id}
    gone = replace(state, policies=policies, policy_errors={})
    assert staleness(op, gone, {}) == ["its PIM policy cannot be read now: no PIM policy found"]
