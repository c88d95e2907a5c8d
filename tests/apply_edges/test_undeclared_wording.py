"""The undeclared-break-glass warning says a plan "does not worsen it" only when every
Global Administrator holder keeps the role."""

from __future__ import annotations

from pim_gitops.apply import Guards
from pim_gitops.apply.guards import guard_verdict
from tests.test_guards import ALICE, BOB, GA, NOW, PRA, held, plan, remove, tenant


def test_removing_every_eligible_global_admin_is_not_called_harmless() -> None:
    before = tenant(
        held(GA, ALICE, "eligible"), held(GA, BOB, "eligible"), held(PRA, BOB, "eligible")
    )
    made = plan(remove(GA, ALICE, "eligible"), remove(GA, BOB, "eligible"))
    verdict = guard_verdict(made, before, Guards(), None, NOW)
    assert verdict.problems == ()  # by design: only permanent active holders are guarded
    (warning,) = [w for w in verdict.warnings if w.startswith("undeclared-break-glass:")]
    # expected: the warning does not claim the plan leaves things as they were
    assert "does not worsen it" not in warning, warning
    assert "the plan removes Global Administrator from" in warning, warning
