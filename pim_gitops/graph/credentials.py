"""One token per command, and credential failures explained in words.

:class:`SharedToken` wraps an azure-identity credential: concurrent requests wait for one
token request instead of each asking the token endpoint (at start-up the reader sends seven
requests at once), and the token is reused until shortly before it expires.
:func:`credential_error` turns azure-identity's and kiota's exceptions into a
``GraphAuthError`` that says which credential, which tenant, and what to check.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from typing import Any

from pim_gitops.errors import GraphAuthError
from pim_gitops.wording import clauses

#: A token is renewed this many seconds before it expires.
RENEW_BEFORE_S = 300.0


class SharedToken:
    """An async token credential that asks ``inner`` once and shares the answer."""

    def __init__(self, inner: Any, *, clock: Callable[[], float] = time.time) -> None:
        self.inner = inner
        self.clock = clock
        self._lock = asyncio.Lock()
        self._tokens: dict[tuple[Any, ...], Any] = {}
        #: Token requests made to ``inner``.
        self.requests = 0

    async def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        if kwargs.get("claims"):  # a claims challenge wants a fresh token
            self.requests += 1
            return await self.inner.get_token(*scopes, **kwargs)
        key = (scopes, kwargs.get("enable_cae"), kwargs.get("tenant_id"))
        async with self._lock:
            token = self._tokens.get(key)
            if token is None or token.expires_on - RENEW_BEFORE_S <= self.clock():
                self.requests += 1
                token = await self.inner.get_token(*scopes, **kwargs)
                self._tokens[key] = token
            return token

    async def close(self) -> None:
        await self.inner.close()


#: What to check, by the error code azure-identity or Entra reports.
ADVICE = (
    (
        ("invalid_client", "AADSTS7000215", "AADSTS7000222", "AADSTS700027"),
        "check the client secret or certificate (not expired, for this application) or, in "
        "GitHub Actions, the federated credential's issuer, subject and audience",
    ),
    (
        ("unauthorized_client", "AADSTS700016", "AADSTS70002"),
        "check AZURE_CLIENT_ID: the application must exist in this tenant",
    ),
    (
        ("invalid_tenant", "AADSTS90002", "AADSTS900023"),
        "check --tenant-id / AZURE_TENANT_ID: no such tenant",
    ),
    (
        ("AADSTS70021", "AADSTS700213", "AADSTS700211"),
        "check the federated credential: no match for this workflow's subject or issuer",
    ),
)


def _advice(text: str) -> str:
    for codes, advice in ADVICE:
        if any(code.lower() in text.lower() for code in codes):
            return advice
    return "check the credential's configuration (az login, AZURE_* variables)"


def _summary(text: str) -> str:
    for pattern in (r"AADSTS\d+:[^\r\n.]*", r"invalid_\w+|unauthorized_client"):
        if match := re.search(pattern, text):
            return match.group(0)[:200]
    lines = text.strip().splitlines()
    return lines[0][:200] if lines else type(text).__name__


def credential_error(exc: BaseException, credential: str, tenant: str | None) -> GraphAuthError:
    """A token that could not be obtained, or a URL the credential refused, in words."""
    text = str(getattr(exc, "message", None) or exc)
    where = f"{credential} for tenant {tenant or '(the credential default)'}"
    if "Only https is supported" in text or "Valid url scheme" in text:
        return GraphAuthError(
            f"refused to send {where}'s token over plain http: Graph is only called over "
            "https (a link or redirect tried to downgrade the connection)"
        )
    if type(exc).__name__ == "CredentialUnavailableError":
        return GraphAuthError(
            f"no credential is available ({where}): sign in with az login, or set "
            "AZURE_CLIENT_ID and AZURE_TENANT_ID (and a secret, certificate or workload "
            f"identity); azure-identity said: {_summary(text)}"
        )
    failed = f"{where} could not get a token: {_summary(text)}"
    return GraphAuthError(clauses(failed, _advice(text)))


def is_credential_failure(exc: BaseException) -> bool:
    """An exception from getting a token (azure-identity) or kiota's URL check."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    if names & {"ClientAuthenticationError", "CredentialUnavailableError"}:
        return True
    return type(exc).__module__.startswith("kiota_authentication_azure")


def tls_error(exc: BaseException, host: str) -> GraphAuthError | None:
    """A TLS handshake failure (certificate not trusted, wrong host, protocol), in words;
    ``None`` when ``exc`` is not one."""
    text = str(exc)
    markers = ("CERTIFICATE_VERIFY_FAILED", "SSL", "TLS", "certificate", "WRONG_VERSION_NUMBER")
    if not any(marker in text for marker in markers):
        return None
    return GraphAuthError(
        clauses(
            f"the TLS connection to {host} failed: {_summary(text)}",
            "check the system clock, and whether a proxy intercepts TLS (its CA must be in "
            "SSL_CERT_FILE)",
        )
    )
