"""export: a repository a human would write, and a zero-diff round trip."""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from pim_gitops.cli import cli
from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.export import ExportError, export_repo, write_export
from pim_gitops.normalize import normalize_tenant
from pim_gitops.roles import GLOBAL_ADMINISTRATOR
from pim_gitops.snapshot import read_snapshot
from pim_gitops.tenantgen import SAMPLE_NOW, TenantBuilder, group, service_principal, user
from pim_gitops.workflow import load_desired, plan_against
from pim_gitops.yamlwrite import COMMENT_LIMIT, safe_comment
from tests.conftest import ROOT, Live
from tests.test_conformance import DOCS_NOW, docs_tenant
from tests.test_export_human import nones

GOLDEN = ROOT / "tests" / "golden" / "export"


def round_trip(snapshot: dict[str, Any], tmp: Path, now: Any = SAMPLE_NOW) -> Any:
    """Export, check that no file holds a ``null``, and plan the export against the tenant."""
    state = normalize_tenant(snapshot, now)
    files = export_repo(state, now=now)
    for name, text in files.items():
        if name.endswith(".yaml"):
            assert list(nones(yaml.safe_load(text))) == [], name
    write_export(files, tmp, force=True)
    return plan_against(load_desired(str(tmp), now), state, now)


def test_golden_export_of_the_sample_tenant(tmp_path: Path) -> None:
    """Reviewed like code: regenerate with `pim-gitops --now 2026-11-24T09:00:00Z export
    --snapshot pim_gitops/demo/tenant.json --out tests/golden/export --force` and read the
    diff."""
    files = export_repo(normalize_tenant(read_snapshot(SAMPLE_TENANT), SAMPLE_NOW), now=SAMPLE_NOW)
    golden = {str(p.relative_to(GOLDEN)): p.read_text() for p in GOLDEN.rglob("*.*")}
    assert files == golden  # the schemas written beside the files too
    assert sorted(k for k in files if not k.endswith(".yaml")) == [
        "schemas/policy-group.schema.json",
        "schemas/policy-role.schema.json",
        "schemas/policy-tenant.schema.json",
    ]  # generated from the model (tests/test_newcomer.py checks they resolve)


def test_export_twice_is_identical() -> None:
    state = normalize_tenant(read_snapshot(SAMPLE_TENANT), SAMPLE_NOW)
    assert export_repo(state, now=SAMPLE_NOW) == export_repo(state, now=SAMPLE_NOW)


def test_round_trip_sample_tenant(tmp_path: Path) -> None:
    assert round_trip(read_snapshot(SAMPLE_TENANT), tmp_path).empty


def test_round_trip_documented_payloads(tmp_path: Path) -> None:
    snapshot = docs_tenant()
    # Every documented role needs its policy: give the others the documented one too.
    policy = snapshot["roleManagementPolicies"][0]
    for index, role in enumerate(snapshot["roleDefinitions"]):
        if role["id"] == snapshot["roleManagementPolicyAssignments"][0]["roleDefinitionId"]:
            continue
        copy_ = copy.deepcopy(policy)
        copy_["id"] = policy["id"][:-4] + f"{index:04d}"
        snapshot["roleManagementPolicies"].append(copy_)
        snapshot["roleManagementPolicyAssignments"].append(
            {
                "id": f"{copy_['id']}_{role['id']}",
                "policyId": copy_["id"],
                "scopeId": "/",
                "scopeType": "Directory",
                "roleDefinitionId": role["id"],
            }
        )
    # A live read resolves every holder through getByIds; the docs show only some of them.
    known = {o["id"] for o in snapshot["directoryObjects"]}
    for name in ("roleEligibilitySchedules", "roleAssignmentSchedules"):
        for row in snapshot[name]:
            if row["principalId"] not in known:
                known.add(row["principalId"])
                snapshot["directoryObjects"].append(
                    user(f"{row['principalId'][:8]}@contoso.com", "Documented holder")
                    | {"id": row["principalId"]}
                )
    plan = round_trip(snapshot, tmp_path, DOCS_NOW)
    assert plan.empty, [c.address for c in plan.changes]


def test_refuses_a_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("x")
    with pytest.raises(ExportError, match="--force"):
        write_export({"pim.yaml": "tenant: x\n"}, tmp_path, force=False)


def _activation(policy: dict[str, Any], longest: str) -> None:
    for rule in policy["rules"]:
        if rule["id"] == "Expiration_EndUser_Assignment":
            rule["maximumDuration"] = longest
        if rule["id"] == "Enablement_EndUser_Assignment":
            rule["enabledRules"] = ["MultiFactorAuthentication", "Justification", "Ticketing"]


def test_templates_only_for_three_or_more_roles() -> None:
    snapshot = read_snapshot(SAMPLE_TENANT)
    files = export_repo(normalize_tenant(snapshot, SAMPLE_NOW), now=SAMPLE_NOW)
    assert "templates:" not in files["pim.yaml"]
    for policy in snapshot["roleManagementPolicies"][:3]:
        _activation(policy, "PT3H")
    files = export_repo(normalize_tenant(snapshot, SAMPLE_NOW), now=SAMPLE_NOW)
    name = "activation-3h-mfa-justification-ticket"  # named from what it holds
    assert f"templates:\n  {name}:" in files["pim.yaml"]
    assert sum(f"template: {name}" in text for text in files.values()) == 3
    for policy in snapshot["roleManagementPolicies"][3:5]:  # two more roles: no template
        for rule in policy["rules"]:
            if rule["id"] == "Expiration_EndUser_Assignment":
                rule["maximumDuration"] = "PT5H"
            if rule["id"] == "Enablement_EndUser_Assignment":
                rule["enabledRules"] = ["Justification", "Ticketing"]
    files = export_repo(normalize_tenant(snapshot, SAMPLE_NOW), now=SAMPLE_NOW)
    assert "activation-5h" not in files["pim.yaml"]
    assert sum(f"template: {name}" in text for text in files.values()) == 3


def test_a_template_of_one_setting_is_not_made() -> None:
    """Three roles differing in one line each: a template would save no line."""
    snapshot = read_snapshot(SAMPLE_TENANT)
    for policy in snapshot["roleManagementPolicies"][:3]:
        for rule in policy["rules"]:
            if rule["id"] == "Expiration_EndUser_Assignment":
                rule["maximumDuration"] = "PT3H"
    files = export_repo(normalize_tenant(snapshot, SAMPLE_NOW), now=SAMPLE_NOW)
    assert "templates:" not in files["pim.yaml"]
    assert sum("max_duration: PT3H" in text for text in files.values()) == 3


NOTIFICATION_RULES = [
    "Notification_Admin_Admin_Assignment",
    "Notification_Requestor_Admin_Eligibility",
    "Notification_Admin_EndUser_Assignment",
]


@pytest.mark.parametrize("level", ["All", "Critical", "None"])
@pytest.mark.parametrize("roles", [1, 4])
def test_every_notification_level_exports_to_a_word_and_plans_no_change(
    tmp_path: Path, level: str, roles: int
) -> None:
    """Graph's three levels, on one role (its file) or on four (``defaults`` or a template):
    the export writes ``critical_only: none`` for ``None`` (before, nothing, and the plan
    turned the alert on with ``critical_only: null → false``), and the level survives:
    the compiled repository asks for the level the tenant has."""
    snapshot = read_snapshot(SAMPLE_TENANT)
    for policy in snapshot["roleManagementPolicies"][:roles]:
        rule = next(r for r in policy["rules"] if r["id"] == NOTIFICATION_RULES[0])
        rule["notificationLevel"] = level
    assert round_trip(snapshot, tmp_path).empty
    written = "".join(p.read_text(encoding="utf-8") for p in tmp_path.rglob("*.yaml"))
    assert ("critical_only: none" in written) is (level == "None")
    desired = load_desired(str(tmp_path), SAMPLE_NOW).state
    levels = [r.settings.notification("active_assigned", "admin").level for r in desired.roles]
    assert levels.count(level) == (roles if level != "All" else len(levels))


rule_changes = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=30),
        st.sampled_from(
            ["activation", "permanent", "recipients", "approval", "mfa", "context", "level"]
        ),
    ),
    max_size=12,
)


@settings(max_examples=25)
@given(changes=rule_changes, seed=st.integers(min_value=0, max_value=1000))
def test_round_trip_generated_tenants(tmp_path_factory: Any, changes: list[Any], seed: int) -> None:
    """Shuffled rule order, P1D vs PT24H, empty vs missing recipients, approval off with stale
    approvers, schedules that started in the past, groups and custom roles."""
    snapshot = read_snapshot(SAMPLE_TENANT)
    rng = random.Random(seed)
    approvers = [
        o["id"]
        for o in snapshot["directoryObjects"]
        if o.get("displayName") == "PIM Tier0 Approvers"
    ]
    for index, what in changes:
        policy = snapshot["roleManagementPolicies"][index % len(snapshot["roleManagementPolicies"])]
        rules = {r["id"]: r for r in policy["rules"]}
        if what == "activation":
            rules["Expiration_EndUser_Assignment"]["maximumDuration"] = rng.choice(
                ["P1D", "PT24H", "PT90M", "PT1H30M", "PT4H"]
            )
        elif what == "permanent":
            rules["Expiration_Admin_Eligibility"].update(
                isExpirationRequired=True, maximumDuration="P400D"
            )
        elif what == "recipients":
            rules["Notification_Admin_EndUser_Assignment"]["notificationRecipients"] = rng.choice(
                [[], [""], ["ops@contoso.com"]]
            )
        elif what == "approval":
            setting = rules["Approval_EndUser_Assignment"]["setting"]
            setting["isApprovalRequired"] = rng.random() < 0.5
            setting["approvalStages"][0]["primaryApprovers"] = [
                {"@odata.type": "#microsoft.graph.groupMembers", "groupId": approvers[0]}
            ]
        elif what == "level":
            rule = rules[rng.choice(NOTIFICATION_RULES)]
            rule["notificationLevel"] = rng.choice(["All", "Critical", "None"])
        elif what == "mfa":
            rules["Enablement_EndUser_Assignment"]["enabledRules"] = ["Justification"]
        else:
            rules["Enablement_EndUser_Assignment"]["enabledRules"] = ["Justification"]
            rules["AuthenticationContext_EndUser_Assignment"].update(
                isEnabled=True, claimValue="c2"
            )
        rng.shuffle(policy["rules"])
    plan = round_trip(snapshot, tmp_path_factory.mktemp("export"))
    assert plan.empty, [c.address for c in plan.changes][:5]


def test_export_from_the_live_tenant(live: Live, tmp_path: Path) -> None:
    out = tmp_path / "repo"
    result = CliRunner().invoke(
        cli, ["--now", "2026-11-24T09:00:00Z", "--graph-url", live.url, "export", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    plan = CliRunner().invoke(
        cli,
        [
            "--now",
            "2026-11-24T09:00:00Z",
            "--graph-url",
            live.url,
            "plan",
            str(out),
            "--detailed-exitcode",
        ],
    )
    assert plan.exit_code == 0, plan.output
    lint = CliRunner().invoke(
        cli,
        [
            "--now",
            "2026-11-24T09:00:00Z",
            "lint",
            str(out),
            "--snapshot",
            str(SAMPLE_TENANT),
            "--format",
            "json",
        ],
    )
    assert "MS.AAD.7.5v1" in lint.output and "MS.AAD.7.6v1" in lint.output


def test_builder_helpers_are_used_consistently() -> None:
    """Groups export by reference, a custom role by its (unique) display name."""
    builder = TenantBuilder("t", SAMPLE_NOW)
    custom = builder.add_role("11111111-1111-1111-1111-111111111111", "Custom Ops", False)
    assert custom["rules"]
    g = builder.add(group("Ops Team"))
    u = builder.add(user("x@contoso.com", "X"))
    builder.grant("eligible", "11111111-1111-1111-1111-111111111111", g, days_left=30)
    builder.grant("active", "11111111-1111-1111-1111-111111111111", u, days_left=5)
    files = export_repo(normalize_tenant(builder.snapshot(), SAMPLE_NOW), now=SAMPLE_NOW)
    text = files["roles/custom-ops.yaml"]
    assert "role: Custom Ops  # custom role 11111111-1111-1111-1111-111111111111" in text
    assert "principal: group:Ops Team" in text and "principal: user:x@contoso.com" in text


# --- hostile tenant strings (issue 16, finding 8) ------------------------------------------

CUSTOM = "11111111-1111-1111-1111-111111111111"
INJECTION = "\n    - principal: user:evil@x\n      permanent: true"


def hostile_tenant(
    users: list[tuple[str, str]],
    groups: list[str],
    role_name: str = "Custom Ops",
    approvers: int = 0,
    idle: tuple[str, ...] | list[str] = (),
    apps: tuple[str, ...] | list[str] = (),
) -> dict[str, Any]:
    """Global Administrator and a custom role; every user and group is granted on both, in
    turn eligible / active and expiring / permanent; the first ``approvers`` groups approve
    Global Administrator activation; ``idle`` users exist and hold nothing; ``apps`` are
    service principals (app id and display name)."""
    builder = TenantBuilder("t", SAMPLE_NOW)
    builder.add_role(GLOBAL_ADMINISTRATOR, "Global Administrator")
    builder.add_role(CUSTOM, role_name, builtin=False)
    principals = [builder.add(user(upn, name)) for upn, name in users]
    principals += [builder.add(group(name)) for name in groups]
    principals += [builder.add(service_principal(app, app)) for app in apps]
    for upn in idle:
        builder.add(user(upn, upn))
    for index, principal in enumerate(dict.fromkeys(principals)):
        for role_id in (GLOBAL_ADMINISTRATOR, CUSTOM):
            kind = ("eligible", "active")[index % 2]
            builder.grant(kind, role_id, principal, days_left=(None, 30, 400)[index % 3])
    if approvers:
        rule = builder.rule(GLOBAL_ADMINISTRATOR, "Approval_EndUser_Assignment")
        rule["setting"]["isApprovalRequired"] = True
        rule["setting"]["approvalStages"][0]["primaryApprovers"] = [
            {"@odata.type": "#microsoft.graph.groupMembers", "groupId": group(name)["id"]}
            for name in groups[:approvers]
        ]
    return builder.snapshot()


def exported_principals(files: dict[str, str]) -> dict[str, list[str]]:
    """Role file → every principal its assignments name, as YAML reads them."""
    out: dict[str, list[str]] = {}
    for path, text in files.items():
        if path.startswith("roles/"):
            held = (yaml.safe_load(text).get("assignments") or {}).values()
            out[path] = sorted(entry["principal"] for entries in held for entry in entries)
    return out


def assert_round_trip(snapshot: dict[str, Any], tmp: Path) -> dict[str, str]:
    """Export → load → plan shows no change, and each role file declares exactly the live
    assignments of its role (no entry lost, none injected)."""
    state = normalize_tenant(snapshot, SAMPLE_NOW)
    files = export_repo(state, now=SAMPLE_NOW)
    write_export(files, tmp, force=True)
    desired = load_desired(str(tmp), SAMPLE_NOW)
    plan = plan_against(desired, state, SAMPLE_NOW)
    assert plan.empty, [c.address for c in plan.changes][:5]
    assert desired.state.assignment_count == len(state.assignments)
    declared = sum(len(p) for p in exported_principals(files).values())
    assert declared == len(state.assignments)
    return files


def test_a_group_named_with_a_hash_is_not_read_as_another_group(tmp_path: Path) -> None:
    """`principal: group:Ops #1` is YAML for `group:Ops`: the name must be quoted."""
    files = assert_round_trip(hostile_tenant([], ["Ops", "Ops #1"]), tmp_path)
    text = files["roles/global-administrator.yaml"]
    assert "    - principal: 'group:Ops #1'  # Ops #1\n" in text
    principals = exported_principals(files)["roles/global-administrator.yaml"]
    assert principals == ["group:Ops", "group:Ops #1"]


@pytest.mark.parametrize("where", ["display name", "upn"])
def test_a_newline_in_a_name_injects_no_entry(tmp_path: Path, where: str) -> None:
    """The injected entry would name a real user with no role: the plan would create it."""
    if where == "display name":
        upn, name, ref = "alice@x", "Alice" + INJECTION, "user:alice@x"
        comment = "  # Alice - principal: user:evil@x permanent: true\n"
    else:  # the loader's `user:\S+` refuses this UPN: written by object id
        upn, name = "alice@x" + INJECTION, "Alice"
        ref = user(upn, name)["id"]
        comment = "  # Alice (by object id: the name does not read back as this principal)\n"
    files = assert_round_trip(
        hostile_tenant([(upn, name), ("bob@x" + INJECTION, "B" * 100)], [], idle=["evil@x"]),
        tmp_path,
    )
    text = files["roles/global-administrator.yaml"]
    assert f"    - principal: {ref}{comment}" in text
    bob = user("bob@x" + INJECTION, "")["id"]
    long_name = "B" * (COMMENT_LIMIT - 1) + "…"
    assert f"principal: {bob}  # {long_name} (by object id: the name does not read" in text
    assert exported_principals(files)["roles/global-administrator.yaml"] == sorted([ref, bob])


def test_ambiguous_or_stripped_names_are_written_by_object_id(tmp_path: Path) -> None:
    """Two groups whose names differ only in case resolve to neither; a trailing space is
    stripped by compile; a leading space is refused by the loader: all four by object id."""
    groups = ["Ops", "OPS", "Tier0 ", " Tier1", "Tier2"]
    files = assert_round_trip(hostile_tenant([], groups, approvers=5), tmp_path)
    principals = exported_principals(files)["roles/global-administrator.yaml"]
    ids = sorted(group(name)["id"] for name in groups[:4])
    assert principals == sorted([*ids, "group:Tier2"])
    approvers = yaml.safe_load(files["roles/global-administrator.yaml"])["activation"]
    assert approvers["approval"]["approvers"] == sorted([*ids, "group:Tier2"])


def test_a_principal_that_cannot_be_named_is_refused() -> None:
    builder = TenantBuilder("t", SAMPLE_NOW)
    builder.add_role(GLOBAL_ADMINISTRATOR, "Global Administrator")
    odd = builder.add(user("a b@x", "Odd\nName") | {"id": "not-an-id"})
    builder.grant("eligible", GLOBAL_ADMINISTRATOR, odd, days_left=30)
    with pytest.raises(ExportError, match=r"'not-an-id' \(Odd Name\) can be written neither"):
        export_repo(normalize_tenant(builder.snapshot(), SAMPLE_NOW), now=SAMPLE_NOW)


def test_a_name_yaml_cannot_hold_is_refused_not_written() -> None:
    """A lone surrogate (JSON can carry one) has no YAML escape the loader reads back: the
    read-back check refuses the file instead of returning text that does not load."""
    builder = TenantBuilder("t", SAMPLE_NOW)
    builder.add_role(GLOBAL_ADMINISTRATOR, "Global Administrator")
    odd = builder.add(group("odd") | {"displayName": "Ops\ud800"})
    builder.grant("eligible", GLOBAL_ADMINISTRATOR, odd, days_left=30)
    with pytest.raises(ExportError, match=r"administrator\.yaml: the exported text does not"):
        export_repo(normalize_tenant(builder.snapshot(), SAMPLE_NOW), now=SAMPLE_NOW)


@pytest.mark.parametrize(
    ("names", "files"),
    [
        (
            ["Ops Admin", "ops-admin"],
            {"ops-admin", "ops-admin-22222222-2222-2222-2222-222222222222"},
        ),
        (["###", "Ops"], {"role", "ops"}),
        (["x" * 200, "y"], {"x" * 60, "y"}),
    ],
)
def test_role_file_names_are_unique_and_never_empty(
    names: list[str], files: set[str], tmp_path: Path
) -> None:
    builder = TenantBuilder("t", SAMPLE_NOW)
    builder.add_role(CUSTOM, names[0], builtin=False)
    builder.add_role("22222222-2222-2222-2222-222222222222", names[1], builtin=False)
    exported = export_repo(normalize_tenant(builder.snapshot(), SAMPLE_NOW), now=SAMPLE_NOW)
    roles = {p for p in exported if p.startswith("roles/")}
    assert {p.removeprefix("roles/").removesuffix(".yaml") for p in roles} == files


@pytest.mark.parametrize(
    ("text", "comment"),
    [
        ("Alice Admin", "Alice Admin"),
        ("a\nb\r\nc\x85d\u2028e\u2029f", "a b c d e f"),
        ("tab\there \x00\x1b[31m", "tab here [31m"),
        ("rtl\u202eevil\u200b\ufeff", "rtl evil"),
        ("  spaced   out  ", "spaced out"),
        ("x" * COMMENT_LIMIT, "x" * COMMENT_LIMIT),
        ("x" * (COMMENT_LIMIT + 1), "x" * (COMMENT_LIMIT - 1) + "…"),
    ],
)
def test_comments_are_one_printable_line(text: str, comment: str) -> None:
    assert safe_comment(text) == comment


HOSTILE = [
    "#",
    " #1",
    "a: b",
    ":",
    "'",
    '"',
    "\n",
    "\r\n",
    "\t",
    "\x85",
    "\u2028",
    "*",
    "&x",
    "!tag",
    "%",
    "@",
    "`",
    "{a: 1}",
    "[1]",
    "- ",
    "? ",
    "|",
    ">",
    "---",
    "...",
    "yes",
    "No",
    "null",
    "~",
    "0x1F",
    "1e3",
    "2027-01-01",
    "Оps",  # Cyrillic O
    "ﬁ",
    "İ",
    "ß",
    "\u200b",
    "\u202e",
    "\ufeff",
    "\x00",
    " ",
    "x" * 300,
]
hostile_text = st.lists(
    st.one_of(st.sampled_from(HOSTILE), st.text(max_size=4)), min_size=1, max_size=5
).map("".join)


@settings(max_examples=50, deadline=None)
@given(
    users=st.lists(st.tuples(hostile_text, hostile_text), max_size=4),
    groups=st.lists(hostile_text, min_size=1, max_size=4),
    apps=st.lists(hostile_text, max_size=2),
    role_name=hostile_text,
)
def test_round_trip_hostile_names(
    tmp_path_factory: Any,
    users: list[tuple[str, str]],
    groups: list[str],
    apps: list[str],
    role_name: str,
) -> None:
    """Display names, UPNs, group, app id and role names with YAML indicators, quotes, line breaks,
    keywords, look-alikes and control characters: export → plan is empty."""
    users = [
        (f"{local}@{domain}", name) for (local, name), domain in zip(users, groups, strict=False)
    ]
    snapshot = hostile_tenant(users, groups, role_name, approvers=len(groups), apps=apps)
    assert_round_trip(snapshot, tmp_path_factory.mktemp("hostile"))


def test_export_of_a_role_that_does_not_exist_is_an_error_with_a_suggestion() -> None:
    state = normalize_tenant(read_snapshot(SAMPLE_TENANT), SAMPLE_NOW)
    with pytest.raises(ExportError, match="did you mean 'Global Administrator'"):
        export_repo(state, ["Global Admin"], now=SAMPLE_NOW)
    assert export_repo(
        state, ["global administrator"], now=SAMPLE_NOW
    )  # names in any case still work
