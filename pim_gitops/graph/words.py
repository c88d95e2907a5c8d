"""Graph error codes a user cannot act on as they stand, said in words.

Every Graph error reaches the user through ``envelopes.error_from`` (a request that failed)
or ``apply.settle.outcome_message`` (one write inside ``$batch``); both pass Graph's message
through :func:`in_words`, which puts the meaning first and keeps Graph's own text after it.
"""

from __future__ import annotations

#: A tenant without the licence PIM needs answers its PIM endpoints ``400
#: AadPremiumLicenseRequired`` "The tenant needs an AAD Premium 2 license."
#: (JulianHayward/Azure-MG-Sub-Governance-Reporting#114, microsoft/EntraExporter#61;
#: Microsoft365DSC's exports match the code and that message).
NO_P2 = (
    "this tenant has no Microsoft Entra ID P2 / Governance licence: PIM (eligible and "
    "time-bound role assignments, role settings) needs Microsoft Entra ID P2 or Microsoft "
    "Entra ID Governance; assign such a licence in the tenant and run again"
)
WORDS: dict[str, str] = {"AadPremiumLicenseRequired": NO_P2}
#: The message alone, for an answer that carries it without the code.
MESSAGE_MARKERS: tuple[tuple[str, str], ...] = (("aad premium 2 license", NO_P2),)


def in_words(code: str | None, message: str) -> str:
    """Graph's ``message`` with what ``code`` means in front of it, when we know."""
    words = WORDS.get(code or "")
    if words is None:
        lowered = message.casefold()
        words = next((w for marker, w in MESSAGE_MARKERS if marker in lowered), None)
    if words is None:
        return message
    return f"{words} (Graph: {message or 'no message'})"
