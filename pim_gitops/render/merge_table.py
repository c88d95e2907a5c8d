"""The table of ``docs/policy-reference.md`` "Merging" that says how every list of the policy
files combines, generated from ``compile.lists.LIST_FIELDS`` (the table the merge and GEN008
read). ``tests/test_merge_semantics.py`` checks that the page holds this output.

Regenerate with ``make docs`` (``python -m pim_gitops.render.merge_table
docs/policy-reference.md``): it rewrites the lines between the two markers only.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from pim_gitops.compile.lists import LIST_FIELDS, Combine, ListField

BEGIN = "<!-- lists: generated from pim_gitops/compile/lists.py by `make docs` -->"
END = "<!-- end of lists -->"

_WRITTEN_IN = {
    "settings": "`defaults`, templates, role files",
    "pim.yaml": "`pim.yaml`",
    "role": "role files",
    "group": "group files (`member:`, `owner:`)",
}
_COMBINE = {
    Combine.REPLACES: "**replaces**: the last layer that writes it wins the whole list",
    Combine.ONE_PLACE: "one place only: nothing to merge",
    Combine.COMBINED: "**combined**: every place's entries apply",
    Combine.COMMAND_LINE: "replaced by the command line's list, when given",
}


def _row(item: ListField) -> str:
    if item.setting is not None:
        place, path = "settings", item.setting
    else:
        place, _, path = item.key.partition(":")
    gen008 = "yes" if item.linted else ""
    cells = (f"`{path}`", _WRITTEN_IN[place], _COMBINE[item.combine], item.note, gen008)
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def render_list_table(fields: Sequence[ListField] = LIST_FIELDS) -> str:
    """The markers and the table between them (a trailing newline)."""
    header = (
        "| List | Written in | Across Entra defaults → `defaults` → templates → role "
        "| Notes | GEN008 |\n|---|---|---|---|---|\n"
    )
    rows = "".join(_row(f) + "\n" for f in fields)
    return f"{BEGIN}\n{header}{rows}{END}\n"


def replace_table(page: str, table: str) -> str:
    """``page`` with the text between the markers (markers included) replaced by ``table``."""
    start = page.index(BEGIN)
    end = page.index(END, start) + len(END) + 1
    return page[:start] + table + page[end:]


def main(argv: Sequence[str]) -> int:
    path = Path(argv[0])
    page = path.read_text(encoding="utf-8")
    path.write_text(replace_table(page, render_list_table()), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
