"""A reviewer written ``sp:<anything>`` is refused because a service principal cannot
review, not with the generic ``sp:`` syntax message (``sp:`` + a UPN is what a newcomer
writes when they mean a user)."""

from __future__ import annotations

import pytest

from pim_gitops.model_reviews import check_reviewer


@pytest.mark.parametrize(
    "value",
    [
        "sp:heidi.audit@contoso.com",
        "sp:pim-gitops apply",
        "sp:5b4b2a3c-7d1e-4f60-9a8b-0c1d2e3f4a5b",
    ],
)
def test_a_service_principal_reviewer_is_refused_as_one(value: str) -> None:
    with pytest.raises(ValueError, match="a service principal cannot review; name users or groups"):
        check_reviewer(value)


def test_a_user_reviewer_is_still_accepted() -> None:
    assert check_reviewer("user:heidi.audit@contoso.com") == "user:heidi.audit@contoso.com"
