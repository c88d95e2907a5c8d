"""Who apply is signed in as: token claims (decoded, not verified), Graph's cross-check, and
what the identity relies on to write PIM — against the emulator's issued tokens and on
hand-made tenant states."""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx
import pytest

from pim_gitops.emulator.identity import Caller, encode_token
from pim_gitops.errors import GraphAuthError
from pim_gitops.graph.clouds import LOCAL_TOKEN, resolve_endpoint
from pim_gitops.graph.identity import (
    HeldRole,
    SignedInIdentity,
    apply_identity_mismatch,
    decode_claims,
    identity_from_claims,
    relied_on_roles,
    whoami,
)
from pim_gitops.graph.session import emulator_token, open_graph
from pim_gitops.normalize import normalize_tenant
from pim_gitops.roles import GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR
from pim_gitops.state import Assignment, TenantState
from pim_gitops.tenantgen import APPLY_APP_ID, SAMPLE_NOW, oid
from tests.conftest import Live

APPLY_SP = oid("sp", APPLY_APP_ID)
LEGACY_APP_ID = "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
LEGACY_SP = oid("sp", LEGACY_APP_ID)
BG1 = oid("user", "bg1@contoso.onmicrosoft.com")
GRACE = oid("user", "grace.identity@contoso.com")
HEIDI = oid("user", "heidi.audit@contoso.com")
HELPDESK = oid("group", "Helpdesk Operators")
WRITE = "RoleManagement.ReadWrite.Directory"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed_in(live: Live) -> SignedInIdentity:
    async def go() -> SignedInIdentity:
        async with open_graph(live.url) as transport:
            return await whoami(transport)

    return asyncio.run(go())


# --- claims ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "why"),
    [
        ("", "expected 3 dot-separated parts, got 1"),
        ("opaque-token", "expected 3 dot-separated parts, got 1"),
        ("a.b", "expected 3 dot-separated parts, got 2"),
        ("a.b.c.d.e", "expected 3 dot-separated parts, got 5"),  # JWE: encrypted
        ("a..c", "empty payload"),
        ("a.%%%%.c", "not base64url-encoded JSON"),
        (f"a.{_b64(b'not json')}.c", "not base64url-encoded JSON"),
        (f"a.{_b64(bytes([0xFF, 0xFE]))}.c", "not base64url-encoded JSON"),
        (f"a.{_b64(b'[1, 2]')}.c", "not a JSON object"),
    ],
)
def test_a_malformed_token_is_a_clear_auth_error(token: str, why: str) -> None:
    with pytest.raises(GraphAuthError) as info:
        decode_claims(token)
    message = str(info.value)
    assert message.startswith("cannot tell who is signed in: ") and why in message
    assert not token or token not in message.replace("cannot tell who is signed in", "")


def test_claims_decode_without_padding_or_signature() -> None:
    claims = {"oid": APPLY_SP, "idtyp": "app", "n": "x" * 5}  # payload length needs padding
    assert decode_claims(encode_token(claims)) == claims
    assert decode_claims(LOCAL_TOKEN)["oid"] == "00000000-0000-0000-0000-000000000000"


@pytest.mark.parametrize(
    ("claims", "why"),
    [
        ({}, "no object id"),
        ({"oid": "alice"}, "no object id"),
        ({"oid": 7}, "'oid' claim is not a non-empty string"),
        ({"oid": APPLY_SP, "idtyp": "device"}, "unknown token type"),
        ({"oid": APPLY_SP, "roles": "RoleManagement.ReadWrite.Directory"}, "'roles' claim"),
        ({"oid": APPLY_SP, "wids": [1]}, "'wids' claim"),
    ],
)
def test_unusable_claims_are_auth_errors(claims: dict[str, Any], why: str) -> None:
    with pytest.raises(GraphAuthError, match=why):
        identity_from_claims(claims)


def test_kind_follows_idtyp_then_the_presence_of_scp() -> None:
    app = identity_from_claims({"oid": APPLY_SP.upper(), "idtyp": "app", "roles": [WRITE]})
    assert app.kind == "servicePrincipal" and app.object_id == APPLY_SP
    assert app.application_permissions == (WRITE,) and app.writes_by_application_permission
    # No idtyp (an optional claim): only user tokens carry scp.
    assert identity_from_claims({"oid": APPLY_SP, "roles": [WRITE]}).kind == "servicePrincipal"
    user = identity_from_claims({"oid": BG1, "scp": "User.Read " + WRITE, "roles": [WRITE]})
    assert user.kind == "user" and user.delegated_scopes == (WRITE, "User.Read")
    # A user token's roles are app roles on the API, never application permissions.
    assert user.application_permissions == () and not user.writes_by_application_permission
    v2 = identity_from_claims({"oid": APPLY_SP, "idtyp": "app", "azp": APPLY_APP_ID})
    assert v2.app_id == APPLY_APP_ID and not v2.writes_by_application_permission


# --- against the emulator ----------------------------------------------------------------------


def test_whoami_a_service_principal_holding_pra(live: Live) -> None:
    identity = signed_in(live)
    assert (identity.object_id, identity.kind, identity.app_id) == (
        APPLY_SP,
        "servicePrincipal",
        APPLY_APP_ID,
    )
    assert identity.display_name == "pim-gitops apply"
    assert identity.tenant_id == live.emulator.store.tenant_id
    assert identity.directory_roles == (PRIVILEGED_ROLE_ADMINISTRATOR,)
    assert "RoleManagement.ReadWrite.Directory" in identity.application_permissions
    assert identity.delegated_scopes == ()


def test_whoami_a_service_principal_with_application_permissions_alone(live: Live) -> None:
    live.sign_in(Caller.service_principal(LEGACY_SP, LEGACY_APP_ID, (WRITE,)))
    identity = signed_in(live)
    assert identity.kind == "servicePrincipal" and identity.object_id == LEGACY_SP
    assert identity.directory_roles == () and identity.has_role_management_write
    state = normalize_tenant(live.snapshot(), SAMPLE_NOW)
    reliance = relied_on_roles(identity, state, SAMPLE_NOW)
    assert reliance.mode == "application_permission" and reliance.protected_role_ids == ()
    assert "no directory role to protect" in reliance.describe()
    assert WRITE in reliance.describe()


def test_whoami_a_user_holding_global_administrator(live: Live) -> None:
    live.sign_in(Caller.user(BG1, "bg1@contoso.onmicrosoft.com"))
    identity = signed_in(live)
    assert identity.kind == "user" and identity.object_id == BG1
    assert identity.delegated_scopes == (WRITE,) and identity.application_permissions == ()
    assert identity.directory_roles == (GLOBAL_ADMINISTRATOR,)
    reliance = relied_on_roles(identity, normalize_tenant(live.snapshot(), SAMPLE_NOW), SAMPLE_NOW)
    assert reliance.mode == "directory_role"
    assert reliance.protected_role_ids == (GLOBAL_ADMINISTRATOR,)
    assert "writes PIM through Global Administrator" in reliance.describe()


def test_whoami_refuses_an_object_that_is_not_in_the_tenant(live: Live) -> None:
    live.sign_in(Caller.service_principal("11111111-2222-3333-4444-555555555555", APPLY_APP_ID))
    with pytest.raises(GraphAuthError, match="is not a directory object of this tenant"):
        signed_in(live)


def test_whoami_refuses_a_token_that_graph_contradicts(live: Live) -> None:
    live.sign_in(Caller.user(APPLY_SP))  # the token says user; Graph says servicePrincipal
    with pytest.raises(GraphAuthError, match=r"names a user .* Graph says .* servicePrincipal"):
        signed_in(live)
    live.sign_in(Caller.service_principal(APPLY_SP, LEGACY_APP_ID))
    with pytest.raises(GraphAuthError, match=f"is not the appId {APPLY_APP_ID}"):
        signed_in(live)


def test_the_transport_exposes_the_token_it_sends(live: Live) -> None:
    async def go() -> str:
        async with open_graph(live.url) as transport:
            return await transport.access_token()

    token = asyncio.run(go())
    assert token == live.emulator.token()
    assert decode_claims(token)["oid"] == APPLY_SP


def test_the_local_token_is_the_fallback_when_no_emulator_issues_one() -> None:
    endpoint = resolve_endpoint("http://127.0.0.1:9")

    def not_here(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/_emulator/token"
        return httpx.Response(404, json={"error": "nope"})

    def not_json(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>")

    for handler in (not_here, not_json):
        token = asyncio.run(emulator_token(endpoint, httpx.MockTransport(handler)))
        assert token == LOCAL_TOKEN


def test_the_emulators_token_is_taken_when_it_issues_one() -> None:
    endpoint = resolve_endpoint("http://127.0.0.1:9/v1.0")

    def issue(request: httpx.Request) -> httpx.Response:
        assert str(request.url) == "http://127.0.0.1:9/_emulator/token"
        return httpx.Response(200, json={"access_token": "issued", "token_type": "Bearer"})

    assert asyncio.run(emulator_token(endpoint, httpx.MockTransport(issue))) == "issued"


# --- what it relies on (pure) -------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_state() -> TenantState:
    from pim_gitops.demo import SAMPLE_TENANT
    from pim_gitops.snapshot import read_snapshot

    return normalize_tenant(read_snapshot(SAMPLE_TENANT), SAMPLE_NOW)


def sp(roles: tuple[str, ...] = ()) -> SignedInIdentity:
    return SignedInIdentity(APPLY_SP, "servicePrincipal", APPLY_APP_ID, None, roles)


def user(object_id: str, scopes: tuple[str, ...] = (WRITE,)) -> SignedInIdentity:
    return SignedInIdentity(object_id, "user", None, delegated_scopes=scopes)


def with_active(state: TenantState, *extra: Assignment) -> TenantState:
    return replace(state, assignments=state.assignments + extra)


def test_a_role_held_and_application_permissions_keep_the_role(sample_state: TenantState) -> None:
    reliance = relied_on_roles(sp((WRITE,)), sample_state, SAMPLE_NOW)
    assert reliance.mode == "directory_role"
    assert reliance.protected_role_ids == (PRIVILEGED_ROLE_ADMINISTRATOR,)
    assert "older Graph documentation requires both" in reliance.describe()


def test_no_role_and_no_permission_means_the_writes_will_be_refused(
    sample_state: TenantState,
) -> None:
    identity = SignedInIdentity(LEGACY_SP, "servicePrincipal", LEGACY_APP_ID)
    reliance = relied_on_roles(identity, sample_state, SAMPLE_NOW)
    assert reliance.mode == "none" and reliance.relied_on == () and reliance.held == ()
    assert "its writes will be refused" in reliance.describe()


def test_a_user_with_an_eligible_role_only_holds_nothing(sample_state: TenantState) -> None:
    reliance = relied_on_roles(user(GRACE), sample_state, SAMPLE_NOW)  # PRA eligible, not active
    assert reliance.mode == "none" and reliance.held == ()


def test_a_role_held_through_a_group_counts_and_names_the_group(
    sample_state: TenantState,
) -> None:
    member = sample_state.group_members[HELPDESK][0]
    end = SAMPLE_NOW + timedelta(days=3)
    state = with_active(
        sample_state, Assignment(PRIVILEGED_ROLE_ADMINISTRATOR, HELPDESK, "/", "active", end)
    )
    reliance = relied_on_roles(user(member), state, SAMPLE_NOW)
    assert reliance.mode == "directory_role"
    assert reliance.relied_on == (HeldRole(PRIVILEGED_ROLE_ADMINISTRATOR, HELPDESK, end),)
    assert f"through group {HELPDESK} until" in reliance.describe()
    # Held directly as well: both holdings are listed, the direct one first.
    direct = with_active(state, Assignment(PRIVILEGED_ROLE_ADMINISTRATOR, member, "/", "active"))
    assert relied_on_roles(user(member), direct, SAMPLE_NOW).relied_on == (
        HeldRole(PRIVILEGED_ROLE_ADMINISTRATOR),
        HeldRole(PRIVILEGED_ROLE_ADMINISTRATOR, HELPDESK, end),
    )


def test_only_started_unexpired_tenant_wide_active_schedules_count(
    sample_state: TenantState,
) -> None:
    pra = PRIVILEGED_ROLE_ADMINISTRATOR
    one_second = timedelta(seconds=1)
    cases = [
        (Assignment(pra, HEIDI, "/", "active", None, SAMPLE_NOW + one_second), False),  # future
        (Assignment(pra, HEIDI, "/", "active", SAMPLE_NOW, SAMPLE_NOW - one_second), False),
        (Assignment(pra, HEIDI, "/administrativeUnits/x", "active", None), False),
        (Assignment(pra, HEIDI, "/", "eligible", None), False),
        (Assignment(pra, HEIDI, "/", "active", SAMPLE_NOW + one_second, SAMPLE_NOW), True),
        (Assignment(pra, HEIDI, "/", "active", None, SAMPLE_NOW), True),  # starts exactly now
    ]
    for assignment, counts in cases:
        reliance = relied_on_roles(user(HEIDI), with_active(sample_state, assignment), SAMPLE_NOW)
        assert (reliance.mode == "directory_role") is counts, assignment
    # A permanent and an expiring holding of the same role: the permanent one wins.
    both = with_active(
        sample_state,
        Assignment(pra, HEIDI, "/", "active", SAMPLE_NOW + timedelta(days=1)),
        Assignment(pra, HEIDI, "/", "active", None),
    )
    assert relied_on_roles(user(HEIDI), both, SAMPLE_NOW).relied_on == (HeldRole(pra),)


def test_non_writing_roles_are_held_but_not_relied_on(sample_state: TenantState) -> None:
    pa_admin = "7be44c8a-adaf-4e2a-84d6-ab2649e08a13"  # Privileged Authentication Administrator
    state = with_active(sample_state, Assignment(pa_admin, HEIDI, "/", "active", None))
    reliance = relied_on_roles(user(HEIDI), state, SAMPLE_NOW)
    assert reliance.mode == "none" and reliance.relied_on == ()
    assert [h.role_name for h in reliance.held] == ["Privileged Authentication Administrator"]


def test_a_user_without_a_write_scope_is_noted(sample_state: TenantState) -> None:
    identity = user(BG1, scopes=("User.Read",))
    reliance = relied_on_roles(identity, sample_state, SAMPLE_NOW)
    assert reliance.protected_role_ids == (GLOBAL_ADMINISTRATOR,)
    assert "no delegated PIM write scope" in reliance.describe()


def test_the_declared_apply_identity_is_cross_checked() -> None:
    identity = sp()
    assert apply_identity_mismatch(identity, None) is None
    assert apply_identity_mismatch(identity, APPLY_SP.upper()) is None
    message = apply_identity_mismatch(identity, LEGACY_SP)
    assert message is not None
    assert LEGACY_SP in message and APPLY_SP in message and APPLY_APP_ID in message


def test_emulator_tokens_name_the_configured_caller(live: Live) -> None:
    live.sign_in(Caller.user(BG1, "bg1@contoso.onmicrosoft.com", scopes=("a", "b")))
    claims = decode_claims(live.emulator.token())
    assert claims["idtyp"] == "user" and claims["oid"] == claims["sub"] == BG1
    assert claims["scp"] == "a b" and "roles" not in claims
    assert claims["tid"] == live.emulator.store.tenant_id
    assert json.loads(base64.urlsafe_b64decode(live.emulator.token().split(".")[0] + "=="))[
        "alg"
    ] == ("none")
