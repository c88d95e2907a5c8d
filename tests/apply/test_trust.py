"""A plan file is untrusted (apply/trust.py): it may choose which of the repository's writes
run, never what they send. Each refusal, and what a trusted plan keeps, on small plans."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pim_gitops.action import Action
from pim_gitops.apply.trust import (
    altered,
    file_problems,
    same_values,
    signature,
    trusted_facts,
    trusted_plan,
    unrequested,
)
from pim_gitops.errors import GuardrailError
from pim_gitops.plan import GuardFacts, Plan
from pim_gitops.plan.review_model import ReviewWrite
from tests.test_guards import GA, NOW, PRA, plan, request, tenant

LATER = NOW + timedelta(days=30)


def repo_plan(*ops: object, declared: str = "contoso.onmicrosoft.com") -> Plan:
    made = plan(*ops, declared_tenant=declared)  # type: ignore[arg-type]
    return made.model_copy(update={"desired_hash": "sha256:repo"})


def test_signature_names_the_object_and_action_not_the_values() -> None:
    a = request(Action.CREATE, GA, "alice", end=LATER)
    b = request(Action.CREATE, GA, "alice", end=LATER + timedelta(days=1))
    assert signature(a) == signature(b) == ("schedule", GA, "alice", "/", "active", "create")
    assert signature(request(Action.CREATE, GA, "alice", "eligible")) != signature(a)


def test_writes_the_repository_does_not_ask_for_are_listed() -> None:
    wanted = request(Action.CREATE, GA, "alice", end=LATER)
    extra = request(Action.CREATE, PRA, "bob", end=LATER)
    assert unrequested(repo_plan(wanted, extra), [wanted]) == [extra.label]
    assert unrequested(repo_plan(wanted), [wanted, extra]) == []


def test_same_values_within_the_instant_tolerance_only() -> None:
    mine = request(Action.CREATE, GA, "alice", end=LATER)
    assert same_values(mine, request(Action.CREATE, GA, "alice", end=LATER + timedelta(seconds=60)))
    assert not same_values(
        mine, request(Action.CREATE, GA, "alice", end=LATER + timedelta(seconds=61))
    )
    by_duration = mine.model_copy(update={"duration": 86400})
    moved_end = by_duration.model_copy(update={"end": LATER + timedelta(days=2)})
    assert same_values(by_duration, moved_end)  # a duration's end is recomputed at apply
    assert not same_values(by_duration, mine)
    later_start = mine.model_copy(update={"start": NOW + timedelta(hours=1)})
    assert not same_values(mine, later_start)


def test_altered_lists_the_files_writes_with_other_values() -> None:
    mine = request(Action.CREATE, GA, "alice", end=LATER)
    theirs = request(Action.CREATE, GA, "alice", end=LATER + timedelta(days=5))
    other = request(Action.CREATE, PRA, "bob", end=LATER)
    assert altered(repo_plan(theirs, other), [mine]) == [theirs.label]
    assert altered(repo_plan(mine), [mine]) == []


def test_a_trusted_plan_keeps_the_repositorys_operations_for_the_files_choice() -> None:
    a = request(Action.CREATE, GA, "alice", end=LATER)
    b = request(Action.CREATE, PRA, "bob", end=LATER)
    edited_a = request(Action.CREATE, GA, "alice", end=LATER + timedelta(days=9))
    trusted = trusted_plan(repo_plan(edited_a), repo_plan(a, b))
    assert trusted.operations == (a,)


def problems(file: Plan, replan: Plan, repo_hash: str = "sha256:repo") -> list[str]:
    return file_problems(file, repo_hash, replan)


def test_a_plan_from_another_version_of_the_policy_is_refused() -> None:
    op = request(Action.CREATE, GA, "alice", end=LATER)
    (problem,) = problems(repo_plan(op), repo_plan(op), "sha256:other")
    assert problem == (
        "untrusted-plan: this plan was made from another version of the policy (plan "
        "sha256:repo, repository sha256:other); make a new plan from this repository"
    )
    unhashed = repo_plan(op).model_copy(update={"desired_hash": ""})
    assert "(plan no desired_hash, repository sha256:repo)" in problems(unhashed, repo_plan(op))[0]


def test_a_plan_naming_no_tenant_or_another_tenant_is_refused() -> None:
    op = request(Action.CREATE, GA, "alice", end=LATER)
    no_tenant = repo_plan(op).model_copy(update={"tenant_id": ""})
    assert problems(no_tenant, repo_plan(op)) == [
        "untrusted-plan: the plan names no tenant (tenant_id is empty)"
    ]
    elsewhere = repo_plan(op, declared="fabrikam.onmicrosoft.com")
    assert problems(elsewhere, repo_plan(op)) == [
        "untrusted-plan: the plan declares tenant 'fabrikam.onmicrosoft.com', the policy "
        "repository 'contoso.onmicrosoft.com'"
    ]


def test_extra_or_edited_writes_are_refused_naming_them() -> None:
    a = request(Action.CREATE, GA, "alice", end=LATER)
    b = request(Action.CREATE, PRA, "bob", end=LATER)
    assert problems(repo_plan(a, b), repo_plan(a)) == [
        "untrusted-plan: the plan file asks for writes the policy repository does not: " + b.label
    ]
    edited = request(Action.CREATE, GA, "alice", end=LATER + timedelta(days=3))
    assert problems(repo_plan(edited), repo_plan(a)) == [
        "untrusted-plan: the plan file's values or phases differ from what the policy "
        "repository asks for (edited after `plan --out`?): " + edited.label
    ]
    assert problems(repo_plan(a), repo_plan(a, b)) == []


def test_trusted_facts_are_the_repositorys_and_a_bad_file_is_refused() -> None:
    op = request(Action.CREATE, GA, "alice", end=LATER)
    replan = repo_plan(op).model_copy(
        update={"guards": GuardFacts(tenant="contoso.onmicrosoft.com", break_glass=("bg1",))}
    )
    file = repo_plan(op).model_copy(
        update={"guards": GuardFacts(tenant="contoso.onmicrosoft.com", break_glass=())}
    )
    assert trusted_facts(file, "sha256:repo", replan, tenant()) == replan.guards
    with pytest.raises(GuardrailError, match="untrusted-plan: this plan was made from another"):
        trusted_facts(file, "sha256:other", replan, tenant())


def _review(name: str, action: str, body: dict[str, object]) -> ReviewWrite:
    return ReviewWrite(
        action=action,  # type: ignore[arg-type]
        review=name,
        definition_id=None if action == "create" else f"def-{name}",
        addresses=(f'review["{name}"]',),
        body=body,
        live={},
        fingerprint="",
    )


def test_a_trusted_plan_makes_only_the_review_writes_the_file_chose_with_the_repositorys_body() -> (
    None
):
    made = _review("GA quarterly", "update", {"displayName": "GA quarterly", "v": 1})
    other = _review("PRA monthly", "create", {"displayName": "PRA monthly"})
    replan = repo_plan().model_copy(update={"review_writes": (made, other)})
    edited = made.model_copy(update={"body": {"displayName": "GA quarterly", "v": 666}})
    chosen = repo_plan().model_copy(update={"review_writes": (edited,)})
    assert trusted_plan(chosen, replan).review_writes == (made,)
    # A file that turned the update into a delete chose no write the repository plans.
    deleting = repo_plan().model_copy(
        update={"review_writes": (_review("GA quarterly", "delete", {}),)}
    )
    assert trusted_plan(deleting, replan).review_writes == ()
    assert trusted_plan(repo_plan(), replan).review_writes == ()
