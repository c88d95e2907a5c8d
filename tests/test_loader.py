from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pim_gitops.errors import Location, PolicySyntaxError
from pim_gitops.loader import MAX_FILE_BYTES, load_policies, parse_yaml

from .conftest import write

TENANT = "tenant: contoso.onmicrosoft.com\n"


def _repo(tmp_path: Path, tenant: str = TENANT, **roles: str) -> Path:
    write(tmp_path / "pim.yaml", tenant)
    for name, text in roles.items():
        write(tmp_path / "roles" / f"{name}.yaml", text)
    return tmp_path


def _messages(path: Path) -> list[str]:
    return [str(e) for e in load_policies(path).errors]


def test_example_repository_loads_cleanly() -> None:
    policy = load_policies(Path(__file__).parent.parent / "policies")
    assert policy.errors == ()
    assert policy.tenant is not None and len(policy.roles) >= 8


def test_duplicate_key_names_both_lines(tmp_path: Path) -> None:
    with pytest.raises(PolicySyntaxError) as info:
        parse_yaml("role: a\nassignments: {}\nrole: b\n", "r.yaml")
    assert str(info.value) == "r.yaml:3:1: duplicate key 'role' (first defined at line 1)"


def test_duplicate_key_in_nested_mapping(tmp_path: Path) -> None:
    text = "tenant: t\ndefaults:\n  activation:\n    max_duration: PT1H\n    max_duration: PT2H\n"
    repo = _repo(tmp_path, tenant=text)
    assert _messages(repo) == [
        f"{repo}/pim.yaml:5:5: duplicate key 'max_duration' (first defined at line 4)"
    ]


def test_misspelled_key_suggests_the_right_one(tmp_path: Path) -> None:
    repo = _repo(tmp_path, r="role: Global Reader\nactivation:\n  max_durtion: PT1H\n")
    assert _messages(repo) == [
        f"{repo}/roles/r.yaml:3:3: unknown key 'max_durtion'; did you mean 'max_duration'?"
    ]


def test_unknown_key_without_close_match_lists_the_expected_keys(tmp_path: Path) -> None:
    repo = _repo(tmp_path, r="role: Global Reader\nactivation:\n  colour: red\n")
    (message,) = _messages(repo)
    assert "unknown key 'colour'; expected one of: approval, authentication_context" in message
    assert message.startswith(f"{repo}/roles/r.yaml:3:3:")


def test_bad_value_points_at_the_value(tmp_path: Path) -> None:
    repo = _repo(tmp_path, r="role: Global Reader\nactivation:\n  require: [mfa, sms]\n")
    (message,) = _messages(repo)
    assert message.startswith(f"{repo}/roles/r.yaml:3:18: activation.require[1]:")
    assert "'mfa', 'justification' or 'ticket'" in message


def test_bad_duration_and_missing_key_reported_together(tmp_path: Path) -> None:
    repo = _repo(
        tmp_path,
        a="role: Global Reader\nactivation: {max_duration: 8 hours}\n",
        b="template: x\n",
    )
    messages = _messages(repo)
    assert len(messages) == 2
    assert messages[0].startswith(f"{repo}/roles/a.yaml:2:28: activation.max_duration:")
    assert "is not an ISO 8601 duration" in messages[0]
    assert messages[1] == f"{repo}/roles/b.yaml:1:1: missing required key 'role' in top level"


def test_a_duration_written_as_a_number_points_at_the_number(tmp_path: Path) -> None:
    repo = _repo(tmp_path, r="role: Global Reader\nactivation:\n  max_duration: 8\n")
    (message,) = _messages(repo)
    assert message == (
        f"{repo}/roles/r.yaml:3:17: activation.max_duration: expected an ISO 8601 duration"
        " such as PT8H or P30D, got 8"
    )


def test_bad_durations_in_a_template_and_an_assignment_are_located(tmp_path: Path) -> None:
    tenant = TENANT + "templates:\n  t:\n    eligible_assignment: {max_duration: P1W}\n"
    role = (
        "role: Global Reader\nassignments:\n  eligible:\n"
        "    - {principal: user:a@contoso.com, duration: PT1.5H, renew: true}\n"
    )
    repo = _repo(tmp_path, tenant, r=role)
    tenant_error, role_error = _messages(repo)
    assert tenant_error.startswith(
        f"{repo}/pim.yaml:4:41: templates.t.eligible_assignment.max_duration: 'P1W': years,"
    )
    assert role_error.startswith(
        f"{repo}/roles/r.yaml:4:49: assignments.eligible[0].duration: 'PT1.5H' is not an ISO"
    )


def test_durations_are_seconds_once_loaded(tmp_path: Path) -> None:
    role = (
        "role: Global Reader\nactivation: {max_duration: PT1H30M}\n"
        "assignments:\n  eligible:\n"
        "    - {principal: user:a@contoso.com, duration: P1D, renew: true}\n"
    )
    ((loaded, _),) = load_policies(_repo(tmp_path, r=role)).roles
    assert loaded.activation is not None and loaded.activation.max_duration == 5400
    assert loaded.assignments.eligible[0].duration == 86400
    dumped = loaded.model_dump(mode="json", exclude_unset=True)
    assert dumped["activation"] == {"max_duration": "PT1H30M"}  # policy words again


@pytest.mark.parametrize(
    ("written", "instant"),
    [
        ("2027-06-30", datetime(2027, 6, 30, tzinfo=UTC)),
        ("2027-06-30T17:00:00Z", datetime(2027, 6, 30, 17, tzinfo=UTC)),
        ("2027-06-30 17:00:00", datetime(2027, 6, 30, 17, tzinfo=UTC)),  # no zone: UTC
        ("2027-06-30T19:00:00+02:00", datetime(2027, 6, 30, 17, tzinfo=UTC)),
        ("'2027-06-30'", datetime(2027, 6, 30, tzinfo=UTC)),  # quoted: text, same instant
    ],
)
def test_instants_are_aware_utc_datetimes_once_loaded(
    tmp_path: Path, written: str, instant: datetime
) -> None:
    role = (
        "role: Global Reader\nassignments:\n  eligible:\n"
        f"    - {{principal: user:a@contoso.com, expires: {written}}}\n"
    )
    ((loaded, _),) = load_policies(_repo(tmp_path, r=role)).roles
    expires = loaded.assignments.eligible[0].expires
    assert expires == instant
    assert expires is not None and expires.utcoffset() == timedelta(0)


def test_a_bad_instant_is_located(tmp_path: Path) -> None:
    role = (
        "role: Global Reader\nassignments:\n  eligible:\n"
        "    - {principal: user:a@contoso.com, expires: next tuesday}\n"
    )
    (message,) = _messages(_repo(tmp_path, r=role))
    assert ":4:48: assignments.eligible[0].expires:" in message


def test_assignment_needs_exactly_one_end(tmp_path: Path) -> None:
    role = (
        "role: Global Reader\nassignments:\n  eligible:\n"
        "    - principal: user:a@contoso.com\n      permanent: true\n      duration: P1D\n"
    )
    (message,) = _messages(_repo(tmp_path, r=role))
    assert ":4:7: assignments.eligible[0]: an assignment needs exactly one of" in message
    assert "(got duration, permanent)" in message


def test_expiry_before_start_is_refused(tmp_path: Path) -> None:
    role = (
        "role: Global Reader\nassignments:\n  active:\n    - principal: user:a@contoso.com\n"
        "      start: 2027-02-01\n      expires: 2027-01-01\n"
    )
    (message,) = _messages(_repo(tmp_path, r=role))
    assert "`expires` is not after `start`" in message


def test_bad_principal_says_how_to_write_one(tmp_path: Path) -> None:
    role = (
        "role: R\nassignments:\n  eligible:\n    - {principal: alice, duration: P1D, renew: true}\n"
    )
    (message,) = _messages(_repo(tmp_path, r=role))
    assert "write user:UPN, group:display name, sp:appId or an object id" in message


def test_yaml_syntax_error_has_position(tmp_path: Path) -> None:
    repo = _repo(tmp_path, r="role: Global Reader\nactivation: [unclosed\n")
    (message,) = _messages(repo)
    assert message.startswith(f"{repo}/roles/r.yaml:3:1: YAML syntax:")


def test_alias_bomb_is_refused() -> None:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 8):
        refs = ",".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    with pytest.raises(PolicySyntaxError, match="alias bomb"):
        parse_yaml("\n".join(lines) + "\n", "bomb.yaml")


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "roles" / "big.yaml"
    write(tmp_path / "pim.yaml", TENANT)
    write(big, "role: x\n" + "#" * (MAX_FILE_BYTES + 1) + "\n")
    (message,) = _messages(tmp_path)
    assert "larger than" in message and "refused" in message


def test_missing_tenant_file(tmp_path: Path) -> None:
    (tmp_path / "roles").mkdir()
    (message,) = _messages(tmp_path)
    assert "no tenant file: expected pim.yaml" in message


def test_non_mapping_document(tmp_path: Path) -> None:
    (message,) = _messages(_repo(tmp_path, r="- just\n- a list\n"))
    assert "expected a mapping of keys at top level" in message


def test_empty_role_file(tmp_path: Path) -> None:
    (message,) = _messages(_repo(tmp_path, r="# nothing\n"))
    assert message.endswith("file is empty")


def test_an_impossible_timestamp_stays_text_for_the_model_to_locate() -> None:
    loaded = parse_yaml("expires: 2027-02-29\nstart: 2027-01-01T25:00:00Z\n", "r.yaml")
    assert loaded.data == {"expires": "2027-02-29", "start": "2027-01-01T25:00:00Z"}
    assert loaded.source.value(("start",)) == Location("r.yaml", 2, 8)


def test_an_impossible_timestamp_as_a_key_is_text() -> None:
    assert parse_yaml("2027-02-30: x\n", "r.yaml").data == {"2027-02-30": "x"}


def test_a_date_like_justification_is_text(tmp_path: Path) -> None:
    role = (
        "role: Global Reader\nassignments:\n  eligible:\n"
        "    - {principal: user:a@contoso.com, duration: P1D"
        ", renew: true, justification: 2027-02-29}\n"
    )
    ((loaded, _),) = load_policies(_repo(tmp_path, r=role)).roles
    assert loaded.assignments.eligible[0].justification == "2027-02-29"


def test_an_integer_expiry_is_not_epoch_seconds(tmp_path: Path) -> None:
    role = (
        "role: Global Reader\nassignments:\n  eligible:\n"
        "    - {principal: user:a@contoso.com, expires: 2027}\n"
    )
    assert _messages(_repo(tmp_path, r=role)) == [
        f"{tmp_path}/roles/r.yaml:4:48: assignments.eligible[0].expires: expected an ISO 8601 "
        "date or date-time such as 2027-06-30 or 2027-06-30T17:00:00Z, got the number 2027"
    ]


def test_a_scalar_its_tag_cannot_build_is_located() -> None:
    with pytest.raises(PolicySyntaxError) as info:
        parse_yaml("role: x\nn: !!int abc\n", "r.yaml")
    assert str(info.value) == (
        "r.yaml:2:4: cannot read 'abc': invalid literal for int() with base 10: 'abc'"
    )
