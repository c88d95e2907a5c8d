"""A custom extension rule Graph lists with ``isEnabled: null`` (the SDK model's Boolean is
nullable) reads as disabled: the role's policy stays readable."""

from __future__ import annotations

from pim_gitops.normalize import normalize_tenant
from pim_gitops.tenantgen import SAMPLE_NOW
from tests.test_extensions import POST, ga, rule, snapshot


def test_a_rule_with_is_enabled_null_reads_as_disabled() -> None:
    raw = rule(POST, "") | {"isEnabled": None}
    tenant = normalize_tenant(snapshot(raw), SAMPLE_NOW)
    assert ga(tenant).post_approval_extension is None
