"""``validate --format json`` prints one JSON document on every path (valid, a parse error, a
schema error, a reference error, several at once, an unknown ``--show`` role, a missing
directory), each valid against the checked-in ``schemas/validate-result.schema.json``; exit
codes and the stderr messages stay what they were."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner, Result

from pim_gitops.cli import cli
from pim_gitops.errors import PlanFormatError
from pim_gitops.render.validate_report import failed_report, render_report
from pim_gitops.schemas import validate_result_schema

from .conftest import POLICIES, ROOT, write

SCHEMA = json.loads((ROOT / "schemas" / "validate-result.schema.json").read_text("utf-8"))


def _validate(*args: str) -> Result:
    return CliRunner().invoke(cli, ["--now", "2026-12-01", "validate", *args])


def _document(result: Result, exit_code: int) -> Any:
    assert result.exit_code == exit_code, result.output
    data = json.loads(result.stdout)  # exactly one document: json.loads refuses trailing data
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    errors = [e.message for e in jsonschema.Draft202012Validator(SCHEMA).iter_errors(data)]
    assert errors == []
    return data


def _errors(result: Result) -> list[tuple[str, str | None, int, int, str]]:
    data = _document(result, 1)
    assert data["valid"] is False and data["summary"] is None and data["roles"] == []
    return [(e["kind"], e["file"], e["line"], e["column"], e["message"]) for e in data["errors"]]


def test_the_checked_in_schema_is_the_generated_one() -> None:
    assert validate_result_schema() == SCHEMA


def test_a_valid_policy_is_one_document_with_every_role() -> None:
    data = _document(_validate(str(POLICIES), "--format", "json"), 0)
    assert (data["valid"], data["errors"], data["tenant"]) == (
        True,
        [],
        "contoso.onmicrosoft.com",
    )
    assert data["summary"]["roles"] == len(data["roles"]) == 11
    ga = next(r for r in data["roles"] if r["role"] == "Global Administrator")
    assert ga["settings"]["activation"]["approval"]["approvers"] == ["group:PIM Tier0 Approvers"]
    assert ga["sources"] is None  # only --show adds where each value came from


def test_a_yaml_syntax_error_is_located_in_the_document(policy_copy: Path) -> None:
    reader = policy_copy / "roles" / "global-reader.yaml"
    reader.write_text("role: Global Reader\nactivation: {max_duration: PT1H\n", "utf-8")
    result = _validate(str(policy_copy), "--format", "json")
    ((kind, file, line, column, message),) = _errors(result)
    assert (kind, file, line > 0, column > 0) == ("syntax", str(reader), True, True)
    assert f"{reader}:{line}:{column}: {message}" in result.stderr  # the message, as before


def test_a_schema_error_is_located_in_the_document(policy_copy: Path) -> None:
    reader = policy_copy / "roles" / "global-reader.yaml"
    reader.write_text("role: Global Reader\nactivaton: {max_duration: PT1H}\n", "utf-8")
    errors = _errors(_validate(str(policy_copy), "--format", "json"))
    assert errors == [
        ("schema", str(reader), 2, 1, "unknown key 'activaton'; did you mean 'activation'?")
    ]


def test_a_reference_error_and_every_other_error_of_the_run(policy_copy: Path) -> None:
    exchange = policy_copy / "roles" / "exchange-administrator.yaml"
    exchange.write_text(exchange.read_text().replace("template: privileged", "template: privilegd"))
    reader = policy_copy / "roles" / "global-reader.yaml"
    reader.write_text(reader.read_text() + "role: Global Reader\n")
    errors = _errors(_validate(str(policy_copy), "--format", "json"))
    assert [(kind, file) for kind, file, *_ in errors] == [
        ("reference", str(exchange)),
        ("syntax", str(reader)),
    ]
    assert errors[0][2:] == (3, 11, "unknown template 'privilegd'; did you mean 'privileged'?")


def test_a_missing_directory_is_a_document_too(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    errors = _errors(_validate(str(missing), "--format", "json"))
    assert errors == [("schema", str(missing), 0, 0, "not a directory")]


def test_text_output_keeps_errors_off_stdout(policy_copy: Path) -> None:
    write(policy_copy / "roles" / "global-reader.yaml", "role: Global Reader\nactivaton: {}\n")
    result = _validate(str(policy_copy))
    assert result.exit_code == 1 and result.stdout == ""
    assert "unknown key 'activaton'" in result.stderr


def test_show_role_as_json_is_that_role_with_its_sources() -> None:
    data = _document(
        _validate(str(POLICIES), "--show", "global-administrator", "--format", "json"), 0
    )
    (role,) = data["roles"]
    assert role["role"] == "Global Administrator" and data["summary"]["roles"] == 11
    rows = {row["path"]: row for row in role["sources"]}
    assert rows["activation.max_duration"]["value"] == "PT1H"
    assert "(templates.critical)" in rows["activation.max_duration"]["source"]


def test_an_unknown_show_role_is_an_error_document() -> None:
    errors = _errors(_validate(str(POLICIES), "--show", "Global Admin", "--format", "json"))
    assert errors == [
        (
            "reference",
            "--show",
            0,
            0,
            "no managed role 'Global Admin'; did you mean 'Global Administrator'?",
        )
    ]


@pytest.mark.parametrize(
    ("error", "kind", "message"),
    [
        (PlanFormatError("plan format 9 is newer"), "error", "plan format 9 is newer"),
        (KeyError("x"), "internal", "KeyError: 'x'"),
    ],
)
def test_other_errors_are_documents_with_their_message(
    error: Exception, kind: str, message: str
) -> None:
    data = json.loads(render_report(failed_report("policies", error)))
    assert list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(data)) == []
    assert data["errors"] == [
        {"kind": kind, "file": None, "line": 0, "column": 0, "message": message}
    ]


def test_warnings_are_in_the_document_of_a_valid_policy(policy_copy: Path) -> None:
    reader = policy_copy / "roles" / "global-reader.yaml"
    past = "    - {principal: user:old@contoso.com, expires: 2026-01-01, justification: gone}\n"
    reader.write_text(reader.read_text().replace("  eligible:\n", "  eligible:\n" + past))
    data = _document(_validate(str(policy_copy), "--format", "json"), 0)
    assert data["valid"] is True
    ((file, line, message),) = [(w["file"], w["line"], w["message"]) for w in data["warnings"]]
    assert (file, line) == (str(reader), 9) and "2026-01-01" in message


def test_validate_of_a_file_reports_not_a_directory_in_both_formats(tmp_path: Path) -> None:
    """A file given for the directory: the loader's "not a directory", exit 1, in JSON as
    in text (not click's usage error, which printed nothing on stdout)."""
    file = tmp_path / "pim.yaml"
    file.write_text("tenant: contoso.onmicrosoft.com\n", encoding="utf-8")
    as_json = CliRunner().invoke(cli, ["validate", str(file), "--format", "json"])
    document = json.loads(as_json.stdout)
    assert as_json.exit_code == 1
    assert [e["message"] for e in document["errors"]] == ["not a directory"]
    as_text = CliRunner().invoke(cli, ["validate", str(file)])
    assert as_text.exit_code == 1
    assert f"{file}: not a directory" in as_text.output
