"""The self-lockout guard when ``apply_identity:`` is not declared: ``plan`` (made with the
read app) cannot know which identity apply signs in as, so it refuses a plan that reduces any
service principal's active writing role (fail closed); apply, which asks Graph who it is,
keeps its exact check."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from pim_gitops.cli import cli
from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.emulator.identity import APPLY_PERMISSIONS, Caller
from pim_gitops.render.plan_text import unwrap
from tests.conftest import POLICIES, Live

NOW = "2026-11-24T09:00:00Z"
CLEAN = {"PIM_GITOPS_ALLOW": "", "PIM_GITOPS_MAX_REMOVALS": "", "CI": "true"}
DECLARED = "\napply_identity: sp:5b4b2a3c-7d1e-4f60-9a8b-0c1d2e3f4a5b\n"
APPLY_SP = "sp:5b4b2a3c-7d1e-4f60-9a8b-0c1d2e3f4a5b"
#: The sample tenant's other service principal ("Legacy provisioning"): no directory role.
LEGACY = Caller.service_principal(
    "f856f01d-5caf-54a3-b561-d9fad943f979", "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
)
POSSIBLE = "may be the identity apply signs in as; declare apply_identity: in pim.yaml"


def _policy(tmp_path: Path, *, declared: str | None, drop_apply_pra: bool = True) -> Path:
    """The example policy, ``apply_identity:`` replaced by ``declared`` (``None``: left out),
    and (``drop_apply_pra``) the apply app's permanent active PRA entry removed."""
    policy = tmp_path / "policies"
    shutil.copytree(POLICIES, policy)
    pim = policy / "pim.yaml"
    text = pim.read_text(encoding="utf-8")
    assert DECLARED in text
    line = f"\napply_identity: {declared}\n" if declared else "\n"
    pim.write_text(text.replace(DECLARED, line), encoding="utf-8")
    if drop_apply_pra:
        pra = policy / "roles" / "privileged-role-administrator.yaml"
        text = pra.read_text(encoding="utf-8")
        pra.write_text(text[: text.index(f"  active:\n    - principal: {APPLY_SP}")])
    return policy


def _plan(policy: Path) -> tuple[int, str]:
    args = ["--now", NOW, "plan", str(policy), "--snapshot", str(SAMPLE_TENANT)]
    done = CliRunner().invoke(cli, [*args, "--detailed-exitcode"], env=CLEAN)
    return done.exit_code, unwrap(done.output)


def test_an_undeclared_apply_identity_refuses_reducing_a_service_principals_writing_role(
    tmp_path: Path,
) -> None:
    code, text = _plan(_policy(tmp_path, declared=None))
    assert code == 3, text[-1500:]
    refusal = next(line for line in text.splitlines() if "self-lockout" in line)
    assert refusal.startswith(f"apply will refuse: self-lockout: {APPLY_SP} must keep an active")
    assert POSSIBLE in refusal and "(allowed only with --allow-self-lockout" in refusal


def test_a_declared_apply_identity_is_judged_alone(tmp_path: Path) -> None:
    """Declared as another principal (a break-glass user), the apply app's PRA is no one's
    self-lockout: the guess is only for an undeclared identity."""
    policy = _policy(tmp_path, declared="user:bg1@contoso.onmicrosoft.com")
    code, text = _plan(policy)
    assert "self-lockout" not in text and POSSIBLE not in text, text[-1500:]
    assert code == 2


def test_no_writing_role_reduced_no_guess(tmp_path: Path) -> None:
    code, text = _plan(_policy(tmp_path, declared=None, drop_apply_pra=False))
    assert "self-lockout" not in text, text[-1500:]
    assert code == 2


def test_apply_signed_in_as_another_app_keeps_its_exact_check(live: Live, tmp_path: Path) -> None:
    """Apply signed in as an app that writes through application permissions alone: the
    removed PRA is not its own, so it is not refused, and the plan apply shows does not say
    it would be (the plan alone refuses it, not knowing who apply is)."""
    policy = _policy(tmp_path, declared=None)
    live.sign_in(Caller.service_principal(LEGACY.object_id, LEGACY.app_id, APPLY_PERMISSIONS))
    base = ["--now", NOW, "--graph-url", live.url]
    applied = CliRunner().invoke(cli, [*base, "apply", str(policy), "--auto-approve"], env=CLEAN)
    assert "self-lockout" not in applied.output, applied.output[-1500:]
    assert applied.exit_code == 0, applied.output[-1500:]
    assert live.stats()["writes"] > 0
