"""Strict inputs (issue 16, finding 9): dates, instants, scopes, durations, roles and
principal references have one documented syntax; anything else is an error at its
``file:line:col``, and every error of a file is reported in the same run."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pim_gitops.loader import load_policies
from pim_gitops.values import (
    check_scope,
    parse_calendar_date,
    parse_instant,
    parse_positive_duration,
)

from .conftest import write

TENANT = "tenant: contoso.onmicrosoft.com\n"
ROLE = "role: Global Reader\nassignments:\n  eligible:\n"
SCOPE_HINT = (
    "is not a scope: write '/' (the whole tenant), 'administrative_unit:<name or id>' or "
    "'/administrativeUnits/<id>'"
)
INSTANT_HINT = "an ISO 8601 date or date-time such as 2027-06-30 or 2027-06-30T17:00:00Z"


def _messages(tmp_path: Path, role: str, tenant: str = TENANT) -> list[str]:
    write(tmp_path / "pim.yaml", tenant)
    write(tmp_path / "roles" / "r.yaml", role)
    return [str(e) for e in load_policies(tmp_path).errors]


def _entry(tmp_path: Path, entry: str) -> str:
    """The one error of a role file with one eligible assignment ``{principal: …, entry}``."""
    (message,) = _messages(tmp_path, ROLE + f"    - {{principal: user:a@contoso.com, {entry}}}\n")
    prefix = f"{tmp_path}/roles/r.yaml:"
    assert message.startswith(prefix)
    return message.removeprefix(prefix)


# --- instants -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            "expires: 2027",
            f"4:48: assignments.eligible[0].expires: expected {INSTANT_HINT}, got the number 2027",
        ),
        (
            "expires: 1.5",
            f"4:48: assignments.eligible[0].expires: expected {INSTANT_HINT}, got the number 1.5",
        ),
        (
            "expires: true",
            f"4:48: assignments.eligible[0].expires: expected {INSTANT_HINT}, got the number True",
        ),
        (
            "expires: 2027-02-29",
            "4:48: assignments.eligible[0].expires: '2027-02-29' is not a valid date: day is out "
            "of range for month",
        ),
        (
            "expires: '2027-02-29'",
            "4:48: assignments.eligible[0].expires: '2027-02-29' is not a valid date: day is out "
            "of range for month",
        ),
        (
            "expires: 2027-13-45",
            "4:48: assignments.eligible[0].expires: '2027-13-45' is not a valid date: month must "
            "be in 1..12",
        ),
        (
            "expires: 2027-01-01T25:00:00Z",
            "4:48: assignments.eligible[0].expires: '2027-01-01T25:00:00Z' is not a valid "
            "date-time: hour must be in 0..23",
        ),
        (
            "expires: 2027-02-30T10:00:00Z",
            "4:48: assignments.eligible[0].expires: '2027-02-30' is not a valid date: day is out "
            "of range for month",
        ),
        (
            "expires: 'next tuesday'",
            f"4:48: assignments.eligible[0].expires: 'next tuesday' is not {INSTANT_HINT}",
        ),
        (
            "expires: '2027-W26-3'",
            f"4:48: assignments.eligible[0].expires: '2027-W26-3' is not {INSTANT_HINT}",
        ),
        (
            "start: 2027-06-31, duration: P1D",
            "4:46: assignments.eligible[0].start: '2027-06-31' is not a valid date: day is out "
            "of range for month",
        ),
    ],
    ids=lambda v: v if v.startswith(("expires", "start")) else "",
)
def test_an_instant_that_is_not_one_is_located(tmp_path: Path, entry: str, expected: str) -> None:
    assert _entry(tmp_path, entry) == expected


@pytest.mark.parametrize(
    ("written", "instant"),
    [
        ("2027-06-30", datetime(2027, 6, 30, tzinfo=UTC)),
        ("2027-06-30T17:00:00Z", datetime(2027, 6, 30, 17, tzinfo=UTC)),
        ("'2027-06-30T17:00:00Z'", datetime(2027, 6, 30, 17, tzinfo=UTC)),
        ("'2027-06-30T17:00:00'", datetime(2027, 6, 30, 17, tzinfo=UTC)),  # no offset: UTC
        ("'2027-06-30T19:00:00+02:00'", datetime(2027, 6, 30, 17, tzinfo=UTC)),
        ("'2027-06-30T17:00:00.1234567Z'", datetime(2027, 6, 30, 17, 0, 0, 123456, tzinfo=UTC)),
    ],
)
def test_instant_text_and_timestamps_agree(tmp_path: Path, written: str, instant: datetime) -> None:
    role = ROLE + f"    - {{principal: user:a@contoso.com, expires: {written}}}\n"
    write(tmp_path / "pim.yaml", TENANT)
    write(tmp_path / "roles" / "r.yaml", role)
    ((loaded, _),) = load_policies(tmp_path).roles
    assert loaded.assignments.eligible[0].expires == instant


def test_every_bad_value_of_a_file_is_reported_in_one_run(tmp_path: Path) -> None:
    role = (
        "role: Global Reader\n"
        "activation:\n"
        "  approval:\n"
        "    reviewed: 2026-02-30\n"
        "assignments:\n"
        "  eligible:\n"
        "    - {principal: user:a@contoso.com, expires: 2027-02-29}\n"
        "    - {principal: user:b@contoso.com, expires: 2027}\n"
        "    - {principal: user:c@contoso.com, duration: P0D}\n"
        "    - {principal: user:d@contoso.com, duration: P1D, scope: '//'}\n"
        "waivers:\n"
        "  - {rule: APR001, reason: accepted, expires: 2026-04-31}\n"
    )
    path = f"{tmp_path}/roles/r.yaml"
    assert _messages(tmp_path, role) == [
        f"{path}:4:15: activation.approval.reviewed: '2026-02-30' is not a valid date: day is "
        "out of range for month",
        f"{path}:7:48: assignments.eligible[0].expires: '2027-02-29' is not a valid date: day "
        "is out of range for month",
        f"{path}:8:48: assignments.eligible[1].expires: expected {INSTANT_HINT}, got the "
        "number 2027",
        f"{path}:9:49: assignments.eligible[2].duration: 'P0D': a duration must be longer "
        "than zero",
        f"{path}:10:61: assignments.eligible[3].scope: '//' {SCOPE_HINT}",
        f"{path}:12:47: waivers[0].expires: '2026-04-31' is not a valid date: day is out of "
        "range for month",
    ]


# --- calendar dates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("2026-02-30", "'2026-02-30' is not a valid date: day is out of range for month"),
        ("20260101", "expected a date (YYYY-MM-DD), got the number 20260101"),
        ("'2026-1-5'", "'2026-1-5' is not a date: write YYYY-MM-DD, e.g. 2027-06-30"),
        (
            "2026-10-01T00:00:00Z",
            "expected a date (YYYY-MM-DD), got the date-time 2026-10-01T00:00:00+00:00",
        ),
    ],
)
def test_reviewed_takes_a_calendar_date(tmp_path: Path, written: str, message: str) -> None:
    role = f"role: Global Reader\nactivation:\n  approval:\n    reviewed: {written}\n"
    assert _messages(tmp_path, role) == [
        f"{tmp_path}/roles/r.yaml:4:15: activation.approval.reviewed: {message}"
    ]


def test_a_waiver_expiry_in_the_tenant_file_is_strict(tmp_path: Path) -> None:
    tenant = TENANT + "waivers:\n  - {rule: APR001, reason: accepted, expires: 2027}\n"
    assert _messages(tmp_path, "role: Global Reader\n", tenant) == [
        f"{tmp_path}/pim.yaml:3:47: waivers[0].expires: expected a date (YYYY-MM-DD), got the "
        "number 2027"
    ]


def test_calendar_dates_and_instants_parse_directly() -> None:
    assert parse_calendar_date("2028-02-29") == date(2028, 2, 29)
    assert parse_calendar_date(date(2027, 1, 1)) == date(2027, 1, 1)
    assert parse_instant(date(2027, 1, 1)) == datetime(2027, 1, 1, tzinfo=UTC)
    assert parse_instant("2027-01-01 10:00:00Z") == datetime(2027, 1, 1, 10, tzinfo=UTC)
    with pytest.raises(ValueError, match="got the number 0"):
        parse_instant(0)


# --- scopes ---------------------------------------------------------------------------------

AU = "a04006f3-6e28-547f-99e8-4ae4832a3e56"


@pytest.mark.parametrize(
    "scope",
    ["'/ '", "''", "'//'", "' /'", "/x", "'administrative_unit:'", "'administrative_unit: '"],
)
def test_a_scope_outside_the_one_syntax_is_refused(tmp_path: Path, scope: str) -> None:
    shown = scope.strip("'") if scope.startswith("'") else scope
    assert _entry(tmp_path, f"duration: P1D, scope: {scope}") == (
        f"4:61: assignments.eligible[0].scope: {shown!r} {SCOPE_HINT}"
    )


def test_an_administrative_unit_path_must_carry_an_object_id(tmp_path: Path) -> None:
    assert _entry(tmp_path, "duration: P1D, scope: /administrativeUnits/Paris") == (
        f"4:61: assignments.eligible[0].scope: '/administrativeUnits/Paris' {SCOPE_HINT}"
    )


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("/", "/"),
        (f"/administrativeUnits/{AU.upper()}", f"/administrativeUnits/{AU}"),
        (f"administrative_unit:{AU}", f"/administrativeUnits/{AU}"),
        ("administrative_unit:Paris Office", "administrative_unit:Paris Office"),
    ],
)
def test_scopes_have_one_canonical_form(written: str, canonical: str) -> None:
    assert check_scope(written) == canonical


# --- durations, schedules, roles, principals --------------------------------------------------


@pytest.mark.parametrize("written", ["P0D", "PT0S", "PT0M", "P0DT0H"])
def test_a_zero_duration_is_refused(tmp_path: Path, written: str) -> None:
    assert _entry(tmp_path, f"duration: {written}") == (
        f"4:49: assignments.eligible[0].duration: {written!r}: a duration must be longer than zero"
    )


def test_a_negative_duration_is_refused() -> None:
    with pytest.raises(ValueError, match="negative durations are not allowed"):
        parse_positive_duration("-P1D")


def test_a_zero_activation_maximum_is_refused_by_the_schema(tmp_path: Path) -> None:
    role = "role: Global Reader\nactivation: {max_duration: PT0S}\n"
    assert _messages(tmp_path, role) == [
        f"{tmp_path}/roles/r.yaml:2:28: activation.max_duration: 'PT0S': a duration must be "
        "longer than zero"
    ]


@pytest.mark.parametrize(("written", "refused"), [("PT4M59S", True), ("PT5M", False)])
def test_an_assignment_lasts_at_least_five_minutes(
    tmp_path: Path, written: str, refused: bool
) -> None:
    role = ROLE + f"    - {{principal: user:a@contoso.com, duration: {written}}}\n"
    messages = _messages(tmp_path, role)
    if not refused:
        assert messages == []
        return
    assert messages == [
        f"{tmp_path}/roles/r.yaml:4:7: assignments.eligible[0]: `duration` PT4M59S is shorter "
        "than PT5M; Graph refuses schedules shorter than five minutes"
    ]


@pytest.mark.parametrize(("end", "refused"), [("00:04:59", True), ("00:05:00", False)])
def test_a_schedule_ends_five_minutes_after_its_start(
    tmp_path: Path, end: str, refused: bool
) -> None:
    role = ROLE + (
        "    - principal: user:a@contoso.com\n"
        "      start: 2027-01-01T00:00:00Z\n"
        f"      expires: 2027-01-01T{end}Z\n"
    )
    messages = _messages(tmp_path, role)
    if not refused:
        assert messages == []
        return
    assert messages == [
        f"{tmp_path}/roles/r.yaml:4:7: assignments.eligible[0]: `expires` is PT4M59S after "
        "`start`, less than PT5M; Graph refuses schedules shorter than five minutes"
    ]


@pytest.mark.parametrize("written", ["''", "'   '"])
def test_an_empty_role_is_refused(tmp_path: Path, written: str) -> None:
    assert _messages(tmp_path, f"role: {written}\n") == [
        f"{tmp_path}/roles/r.yaml:1:7: role: `role` is empty: write a role's display name, "
        "template id or object id"
    ]


@pytest.mark.parametrize(
    ("principal", "message"),
    [
        (
            "user:6e1d59a3-19c1-54db-a54e-c82c30941f32",
            "'user:6e1d59a3-19c1-54db-a54e-c82c30941f32': user: takes a UPN "
            "(user:alice@contoso.com); write an object id without a prefix",
        ),
        ("sp:pim-gitops", "'sp:pim-gitops': sp: takes an application (client) id, a GUID"),
        (
            "user:alice",
            "'user:alice' is not a principal: write user:UPN, group:display name, sp:appId or "
            "an object id",
        ),
    ],
)
def test_a_principal_reference_has_one_meaning(
    tmp_path: Path, principal: str, message: str
) -> None:
    role = ROLE + f"    - {{principal: '{principal}', duration: P1D}}\n"
    assert _messages(tmp_path, role) == [
        f"{tmp_path}/roles/r.yaml:4:19: assignments.eligible[0].principal: {message}"
    ]


def test_break_glass_refuses_a_user_prefixed_object_id(tmp_path: Path) -> None:
    tenant = TENANT + "break_glass:\n  - user:8a029584-de66-58d0-95be-e014362adccf\n"
    assert _messages(tmp_path, "role: Global Reader\n", tenant) == [
        f"{tmp_path}/pim.yaml:3:5: break_glass[0]: 'user:8a029584-de66-58d0-95be-e014362adccf': "
        "user: takes a UPN (user:alice@contoso.com); write an object id without a prefix"
    ]


# --- the JSON Schema agrees -------------------------------------------------------------------


def _role_schema_accepts(data: dict[str, object]) -> bool:
    import json

    import jsonschema

    from .conftest import ROOT

    schema = json.loads((ROOT / "schemas" / "policy-role.schema.json").read_text())
    return bool(jsonschema.Draft202012Validator(schema).is_valid(data))


def _with_entry(**entry: object) -> dict[str, object]:
    return {"role": "Global Reader", "assignments": {"eligible": [entry]}}


@pytest.mark.parametrize(
    "entry",
    [
        {"principal": "user:a@contoso.com", "expires": 2027},
        {"principal": "user:a@contoso.com", "expires": "next tuesday"},
        {"principal": "user:a@contoso.com", "duration": "P0D"},
        {"principal": "user:a@contoso.com", "duration": "PT0S"},
        {"principal": "user:a@contoso.com", "duration": "P1D", "scope": "/ "},
        {"principal": "user:a@contoso.com", "duration": "P1D", "scope": ""},
        {"principal": "user:a@contoso.com", "duration": "P1D", "scope": "//"},
        {"principal": "user:6e1d59a3-19c1-54db-a54e-c82c30941f32", "duration": "P1D"},
        {"principal": "sp:pim-gitops", "duration": "P1D"},
    ],
)
def test_the_schema_refuses_what_the_loader_refuses(entry: dict[str, object]) -> None:
    assert not _role_schema_accepts(_with_entry(**entry))


@pytest.mark.parametrize(
    "entry",
    [
        {"principal": "user:a@contoso.com", "expires": "2027-06-30"},
        {"principal": "user:a@contoso.com", "expires": "2027-06-30T17:00:00Z"},
        {"principal": "user:a@contoso.com", "duration": "PT5M"},
        {"principal": "6e1d59a3-19c1-54db-a54e-c82c30941f32", "duration": "P1D", "scope": "/"},
        {"principal": "group:Ops #1", "duration": "P1D", "scope": "administrative_unit:Paris"},
        {
            "principal": "user:a@contoso.com",
            "duration": "P1D",
            "scope": f"/administrativeUnits/{AU}",
        },
    ],
)
def test_the_schema_accepts_the_documented_spellings(entry: dict[str, object]) -> None:
    assert _role_schema_accepts(_with_entry(**entry))


def test_the_schema_refuses_an_empty_role() -> None:
    assert not _role_schema_accepts({"role": ""})
    assert not _role_schema_accepts({"role": "  "})


# --- never an internal error --------------------------------------------------------------------


def test_validate_reports_impossible_dates_with_their_places(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from pim_gitops.cli import cli

    role = (
        "role: Global Reader\nactivation:\n  approval:\n    reviewed: 2026-02-30\n"
        "assignments:\n  eligible:\n"
        "    - {principal: user:a@contoso.com, expires: 2027-01-01T25:00:00Z}\n"
    )
    write(tmp_path / "pim.yaml", TENANT)
    write(tmp_path / "roles" / "r.yaml", role)
    result = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    assert "internal error" not in result.output
    assert f"{tmp_path}/roles/r.yaml:4:15: activation.approval.reviewed:" in result.output
    assert f"{tmp_path}/roles/r.yaml:7:48: assignments.eligible[0].expires:" in result.output
    assert "2 errors found." in result.output


@given(
    year=st.integers(0, 9999),
    month=st.integers(0, 99),
    day=st.integers(0, 99),
    quoted=st.booleans(),
)
def test_any_written_date_loads_or_is_located(
    tmp_path_factory: pytest.TempPathFactory, year: int, month: int, day: int, quoted: bool
) -> None:
    text = f"{year:04d}-{month:02d}-{day:02d}"
    written = f"'{text}'" if quoted else text
    directory = tmp_path_factory.mktemp("dates")
    role = ROLE + f"    - {{principal: user:a@contoso.com, expires: {written}}}\n"
    try:
        valid: date | None = date(year, month, day)
    except ValueError:
        valid = None
    messages = _messages(directory, role)
    if valid is None:
        assert messages == [
            f"{directory}/roles/r.yaml:4:48: assignments.eligible[0].expires: {text!r} is not a "
            f"valid date: {messages[0].split('is not a valid date: ')[1]}"
        ]
    else:
        assert messages == []


@given(st.text(st.characters(categories=("L", "N", "P", "S", "Zs")), max_size=40))
def test_any_text_as_an_instant_or_scope_loads_or_is_located(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    import json

    directory = tmp_path_factory.mktemp("text")
    quoted = json.dumps(text, ensure_ascii=False)  # a YAML double-quoted scalar
    role = ROLE + (
        f"    - principal: user:a@contoso.com\n      expires: {quoted}\n      scope: {quoted}\n"
    )
    for message in _messages(directory, role):
        places = (f"{directory}/roles/r.yaml:5:16: ", f"{directory}/roles/r.yaml:6:14: ")
        assert message.startswith(places), message


@pytest.mark.parametrize(
    ("check", "value"),
    [
        ("check_principal", "group:Ops\n"),
        ("check_principal", "user:a@contoso.com\n"),
        ("check_scope", "/\n"),
        ("parse_calendar_date", "2027-06-30\n"),
        ("check_email", "ops@contoso.com\n"),
    ],
)
def test_a_trailing_newline_is_not_the_value(check: str, value: str) -> None:
    """``$`` matches before a final newline; the parsers match the whole text."""
    import pim_gitops.values as values

    with pytest.raises(ValueError):
        getattr(values, check)(value)
    getattr(values, check)(value.rstrip("\n"))  # the same text without it is fine
