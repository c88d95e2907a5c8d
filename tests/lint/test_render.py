"""Lint output, format by format, on one small result: an error with controls, a waived
warning, an info finding whose message needs escaping, a finding at line 0, a skipped rule."""

from __future__ import annotations

import json

from pim_gitops import __version__
from pim_gitops.lint.engine import Finding, LintResult, catalogue
from pim_gitops.lint.render import render_github, render_json, render_sarif, render_text

ERROR = Finding(
    "ACT001",
    "activation-without-mfa",
    "error",
    "MFA is off",
    "roles/ga.yaml",
    3,
    5,
    role="Global Administrator",
    controls=("MS.AAD.7.4v1", "CIS 5.3"),
)
WAIVED = Finding(
    "GEN005", "unused-waiver", "warning", "waiver unused", "roles/ga.yaml", 9, waived="phone queue"
)
INFO = Finding("NTF001", "no-alert", "info", "50% off\r\nsecond line", "pim.yaml", 0, 0)
RESULT = LintResult((INFO, ERROR, WAIVED), ("ASG005",), "cisa")
#: The tenant as it is: a permanent holder of a role without a file (line 0), and a finding
#: reported once for two roles.
LIVE = Finding(
    "ASG001",
    "no-permanent-active",
    "error",
    "user:a@contoso.com is permanent",
    "pim.yaml",
    0,
    0,
    role="Teams Administrator",
    principal="user:a@contoso.com",
    view="posture",
)
SHARED = Finding(
    "ACT001",
    "activation-requirements",
    "warning",
    "no ticket (2 roles: A, B)",
    "pim.yaml",
    7,
    3,
    detail="no ticket",
    roles=("A", "B"),
)
FOLDED = (
    Finding(
        "ACT001",
        "activation-requirements",
        "warning",
        "A: no ticket",
        "roles/a.yaml",
        1,
        role="A",
        detail="no ticket",
        view="posture",
    ),
    Finding(
        "ACT001",
        "activation-requirements",
        "warning",
        "B: no ticket",
        "roles/b.yaml",
        1,
        role="B",
        detail="no ticket",
        view="posture",
    ),
)
BOTH = LintResult((SHARED, LIVE), (), "cisa", ("policy", "posture"), "cis", FOLDED, 1)


def test_text_groups_by_file_and_ends_with_the_totals() -> None:
    assert render_text(RESULT) == (
        "Policy: the repository (what the tenant will be once applied): 1 error, 0 warnings\n"
        "\n"
        "pim.yaml\n"
        "  pim.yaml: NTF001 info: 50% off\r\nsecond line\n"
        "\n"
        "roles/ga.yaml\n"
        "  roles/ga.yaml:3: ACT001 error: MFA is off [MS.AAD.7.4v1, CIS 5.3]\n"
        "  roles/ga.yaml:9: GEN005 warning: waiver unused (waived: phone queue)\n"
        "\n"
        "skipped (need a tenant view: --snapshot or --live): ASG005\n"
        "1 error, 0 warnings, 1 info, 1 waived (preset cisa, privileged roles cisa).\n"
    )


def test_text_names_each_view_and_what_the_policy_view_holds_for_the_posture() -> None:
    assert render_text(BOTH) == (
        "Policy: the repository (what the tenant will be once applied): 0 errors, 1 warning\n"
        "\n"
        "pim.yaml\n"
        "  pim.yaml:7: ACT001 warning: no ticket (2 roles: A, B)\n"
        "\n"
        "Posture: the tenant as it is now: 1 error, 0 warnings; and 1 problem of the policy "
        "view above, which the repository keeps\n"
        "\n"
        "pim.yaml (roles without a file)\n"
        "  pim.yaml: ASG001 error: user:a@contoso.com is permanent\n"
        "\n"
        "1 error, 1 warning, 0 info, 0 waived (preset cisa, privileged roles cis).\n"
    )


def test_text_of_a_clean_result_is_only_the_totals() -> None:
    clean = LintResult((), (), "default")
    assert render_text(clean) == (
        "Policy: the repository (what the tenant will be once applied): 0 errors, 0 warnings\n"
        "\n"
        "0 errors, 0 warnings, 0 info, 0 waived (preset default, privileged roles cisa).\n"
    )


def test_summary_and_blocking_count_waived_findings_apart() -> None:
    assert RESULT.summary() == {"error": 1, "warning": 0, "info": 1, "waived": 1}
    waived_error = Finding("ACT001", "n", "error", "m", "f", 1, waived="ok")
    assert LintResult((ERROR, waived_error), (), "cisa").blocking == [ERROR]


def test_github_annotations_escape_the_message_and_leave_waived_findings_out() -> None:
    assert render_github(RESULT) == (
        "::notice file=pim.yaml,title=NTF001 no-alert (policy)::50%25 off%0D%0Asecond line\n"
        "::error file=roles/ga.yaml,line=3,title=ACT001 activation-without-mfa (policy)::"
        "MFA is off\n"
    )
    assert "title=ASG001 no-permanent-active (posture)::" in render_github(BOTH)
    assert render_github(LintResult((WAIVED,), (), "cisa")) == ""


def test_json_report() -> None:
    data = json.loads(render_json(RESULT))
    assert data["preset"] == "cisa" and data["skipped"] == ["ASG005"]
    assert data["summary"] == {"error": 1, "warning": 0, "info": 1, "waived": 1}
    assert data["findings"][1] == {
        "rule": "ACT001",
        "name": "activation-without-mfa",
        "severity": "error",
        "message": "MFA is off",
        "file": "roles/ga.yaml",
        "line": 3,
        "role": "Global Administrator",
        "principal": None,
        "controls": ["MS.AAD.7.4v1", "CIS 5.3"],
        "waived": None,
        "view": "policy",
        "roles": [],
    }
    assert data["findings"][2]["waived"] == "phone queue"
    both = json.loads(render_json(BOTH))
    assert (both["views"], both["privileged_roles"], both["folded"], both["folded_into"]) == (
        ["policy", "posture"],
        "cis",
        2,
        1,
    )
    assert [(f["view"], f["role"], f["roles"]) for f in both["findings"]] == [
        ("policy", None, ["A", "B"]),
        ("posture", "Teams Administrator", []),
    ]


def test_sarif_results() -> None:
    run = json.loads(render_sarif(RESULT))["runs"][0]
    codes = [r.code for r in catalogue()]
    info, error, waived = run["results"]
    assert error == {
        "ruleId": "ACT001",
        "ruleIndex": codes.index("ACT001"),
        "level": "error",
        "message": {"text": "MFA is off"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": "roles/ga.yaml"},
                    "region": {"startLine": 3, "startColumn": 5},
                }
            }
        ],
        "properties": {
            "controls": ["MS.AAD.7.4v1", "CIS 5.3"],
            "role": "Global Administrator",
            "roles": [],
            "principal": None,
            "view": "policy",
        },
    }
    assert info["level"] == "note" and waived["level"] == "warning"
    # A finding at no line (line 0) has no region: SARIF lines and columns start at 1.
    assert "region" not in info["locations"][0]["physicalLocation"]
    assert waived["suppressions"] == [{"kind": "inSource", "justification": "phone queue"}]
    assert "suppressions" not in error


def test_sarif_driver_describes_every_rule_from_the_registry() -> None:
    sarif = json.loads(render_sarif(RESULT))
    assert sarif["version"] == "2.1.0"
    assert sarif["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    driver = sarif["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("pim-gitops", __version__)
    assert driver["informationUri"] == "https://pim-gitops.dev"
    rules = catalogue()
    assert [r["id"] for r in driver["rules"]] == [r.code for r in rules]
    levels = {"error": "error", "warning": "warning", "info": "note"}
    for meta, r in zip(driver["rules"], rules, strict=True):
        assert meta["name"] == r.name
        assert meta["shortDescription"] == {"text": r.title}
        assert meta["fullDescription"] == {"text": r.doc.section("What it checks")}
        assert meta["fullDescription"]["text"]
        assert meta["help"]["text"] and meta["help"]["markdown"]
        assert meta["defaultConfiguration"] == {"level": levels[r.severity]}
        assert meta["properties"] == {
            "tags": ["security", r.family, *r.controls],
            "needsTenantView": r.tenant_view == "yes",
            "options": {
                o.name: list(o.default) if isinstance(o.default, tuple) else o.default
                for o in r.options
            },
        }


def test_summary_counts_every_finding_of_a_severity() -> None:
    two = LintResult((ERROR, LIVE, SHARED, WAIVED), (), "cisa")
    assert two.summary() == {"error": 2, "warning": 1, "info": 0, "waived": 1}
    waived_twice = LintResult((WAIVED, WAIVED), (), "cisa")
    assert waived_twice.summary()["waived"] == 2
