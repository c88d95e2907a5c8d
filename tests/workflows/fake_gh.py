"""A fake `gh` CLI for the local workflow runner: it serves issues, labels and PR comments
from a JSON state file (``FAKE_GH_STATE``) and records every call there, so a test asserts
what GitHub was asked. Only the calls the workflows make are served; anything else fails
loudly. Like the real `gh`, it refuses to run without ``GH_TOKEN`` and `issue create --label`
fails when the label does not exist.

Run as ``python fake_gh.py ARGS...`` (the runner puts a `gh` wrapper on PATH)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

State = dict[str, Any]


class GhError(Exception):
    """What the real `gh` would print before exiting 1."""


def load_state(path: Path) -> State:
    state: State = json.loads(path.read_text()) if path.exists() else {}
    for key, empty in (("calls", []), ("comments", {}), ("issues", []), ("labels", [])):
        state.setdefault(key, empty)
    state.setdefault("next_id", 1000)
    return state


def options(
    args: list[str], flags: frozenset[str] = frozenset()
) -> tuple[list[str], dict[str, list[str]]]:
    """Positional arguments and ``--name value`` options (``flags`` take no value)."""
    positional: list[str] = []
    named: dict[str, list[str]] = {}
    items = iter(args)
    for arg in items:
        if arg.startswith("-") and len(arg) > 1:
            name, _, inline = arg.lstrip("-").partition("=")
            value = "true" if name in flags else (inline or next(items, ""))
            named.setdefault(name, []).append(value)
        else:
            positional.append(arg)
    return positional, named


def one(named: dict[str, list[str]], *names: str) -> str | None:
    for name in names:
        if name in named:
            return named[name][-1]
    return None


def next_id(state: State) -> int:
    state["next_id"] += 1
    return int(state["next_id"])


def field_values(named: dict[str, list[str]]) -> dict[str, str]:
    """``-f key=value`` and ``-F key=@file`` (the file's text)."""
    values: dict[str, str] = {}
    for name in ("f", "raw-field", "F", "field"):
        for item in named.get(name, []):
            key, _, value = item.partition("=")
            if name in ("F", "field") and value.startswith("@"):
                value = Path(value[1:]).read_text()
            values[key] = value
    return values


def api(state: State, args: list[str]) -> Any:
    positional, named = options(args, frozenset({"paginate", "silent"}))
    method = (one(named, "X", "method") or "GET").upper()
    endpoint = positional[0].lstrip("/")
    fields = field_values(named)
    if fields and method == "GET":
        method = "POST"  # as gh does when fields are given
    state["calls"][-1]["request"] = {"method": method, "endpoint": endpoint, "fields": fields}
    listing = re.fullmatch(r"repos/[^/]+/[^/]+/issues/(\d+)/comments", endpoint)
    single = re.fullmatch(r"repos/[^/]+/[^/]+/issues/comments/(\d+)", endpoint)
    if listing and method == "GET":
        return state["comments"].get(listing[1], [])
    if listing and method == "POST":
        user = {"login": os.environ.get("FAKE_GH_USER", "github-actions[bot]")}
        comment = {"id": next_id(state), "body": fields["body"], "user": user}
        state["comments"].setdefault(listing[1], []).append(comment)
        return comment
    if single and method == "PATCH":
        for comments in state["comments"].values():
            for comment in comments:
                if str(comment["id"]) == single[1]:
                    comment["body"] = fields["body"]
                    return comment
        raise GhError(f"HTTP 404: Not Found ({endpoint})")
    raise GhError(f"fake gh: unsupported api call {method} {endpoint}")


def find_issue(state: State, number: str) -> dict[str, Any]:
    for issue in state["issues"]:
        if str(issue["number"]) == number:
            return dict(issue)
    raise GhError(f"could not find issue {number}")


def replace_issue(state: State, issue: dict[str, Any]) -> None:
    state["issues"] = [i if i["number"] != issue["number"] else issue for i in state["issues"]]


def body_of(named: dict[str, list[str]]) -> str:
    file = one(named, "body-file", "F")
    return Path(file).read_text() if file else one(named, "body", "b") or ""


def issue_list(state: State, named: dict[str, list[str]]) -> Any:
    wanted = one(named, "state", "s") or "open"
    labels = set(named.get("label", []) + named.get("l", []))
    found = [
        i
        for i in state["issues"]
        if (wanted == "all" or i["state"] == wanted) and labels <= set(i["labels"])
    ]
    keys = (one(named, "json") or "number").split(",")
    return [{k: i.get(k) for k in keys} for i in sorted(found, key=lambda i: -int(i["number"]))]


def issue_create(state: State, named: dict[str, list[str]]) -> str:
    labels = named.get("label", []) + named.get("l", [])
    known = {label["name"] for label in state["labels"]}
    for label in labels:
        if label not in known:
            raise GhError(f"could not add label: '{label}' not found")
    number = next_id(state)
    title = one(named, "title", "t") or ""
    issue = {"number": number, "title": title, "state": "open", "labels": labels}
    state["issues"].append({**issue, "body": body_of(named), "comments": []})
    return f"https://github.com/owner/repo/issues/{number}"


def issue(state: State, args: list[str]) -> Any:
    positional, named = options(args)
    action = positional[0]
    if action == "list":
        return issue_list(state, named)
    if action == "create":
        return issue_create(state, named)
    found = find_issue(state, positional[1])
    if action == "edit":
        found["body"] = body_of(named)
    elif action == "close":
        found["state"] = "closed"
        if "comment" in named or "c" in named:
            found["comments"].append(one(named, "comment", "c"))
    elif action == "comment":
        found["comments"].append(body_of(named))
    else:
        raise GhError(f"fake gh: unsupported issue {action}")
    replace_issue(state, found)
    return None


def label(state: State, args: list[str]) -> Any:
    positional, named = options(args, frozenset({"force", "f"}))
    if positional[0] != "create":
        raise GhError(f"fake gh: unsupported label {positional[0]}")
    name = positional[1]
    entry = {
        "name": name,
        "color": one(named, "color", "c"),
        "description": one(named, "description", "d"),
    }
    existing = [x for x in state["labels"] if x["name"] == name]
    if existing and not ("force" in named or "f" in named):
        raise GhError(f'label with name "{name}" already exists; use `--force` to update it')
    state["labels"] = [x for x in state["labels"] if x["name"] != name] + [entry]
    return None


COMMANDS: dict[str, Callable[[State, list[str]], Any]] = {
    "api": api,
    "issue": issue,
    "label": label,
}


def output(result: Any, args: list[str]) -> str:
    if result is None or "--silent" in args:
        return ""
    if isinstance(result, str):
        return result + "\n"
    document = json.dumps(result)
    _, named = options(args, frozenset({"paginate", "silent", "force", "f"}))
    expression = one(named, "jq", "q")
    if expression is None:
        return document + "\n"
    jq = shutil.which("jq")
    if jq is None:
        raise GhError("fake gh: --jq needs the jq program on PATH")
    done = subprocess.run(
        [jq, "-r", expression], input=document, capture_output=True, text=True, check=True
    )
    return done.stdout


def main(argv: list[str]) -> int:
    path = Path(os.environ["FAKE_GH_STATE"])
    state = load_state(path)
    state["calls"].append({"argv": argv})
    try:
        if not os.environ.get("GH_TOKEN") and not os.environ.get("GITHUB_TOKEN"):
            raise GhError(
                "gh: To use GitHub CLI in a GitHub Actions workflow, "
                "set the GH_TOKEN environment variable."
            )
        command = COMMANDS.get(argv[0]) if argv else None
        if command is None:
            raise GhError(f"fake gh: unsupported command {argv!r}")
        sys.stdout.write(output(command(state, argv[1:]), argv[1:]))
        code = 0
    except GhError as exc:
        print(exc, file=sys.stderr)
        state["calls"][-1]["error"] = str(exc)
        code = 1
    path.write_text(json.dumps(state, indent=2, sort_keys=True))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
