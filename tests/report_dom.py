"""Reading a report's HTML (as written, or as Chromium dumps it): headings, the per-control
table, and attributes of ``body``."""

from __future__ import annotations

from html.parser import HTMLParser


class ReportPage(HTMLParser):
    """Section headings (h2/h3), the rows of ``table.controls`` and ``body``'s attributes."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.controls: list[list[str]] = []
        self.body: dict[str, str] = {}
        self.section_ids: list[str] = []
        self._heading: list[str] | None = None
        self._in_controls = False
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "body":
            self.body = found
        elif tag == "section":
            self.section_ids.append(found.get("id", ""))
        elif tag in ("h2", "h3"):
            self._heading = []
        elif tag == "table" and "controls" in found.get("class", "").split():
            self._in_controls = True
        elif tag == "tr" and self._in_controls:
            self._row = []
        elif tag == "td" and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h2", "h3") and self._heading is not None:
            self.headings.append("".join(self._heading).strip())
            self._heading = None
        elif tag == "td" and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._row:
                self.controls.append(self._row)
            self._row = None
        elif tag == "table":
            self._in_controls = False

    def handle_data(self, data: str) -> None:
        for part in (self._heading, self._cell):
            if part is not None:
                part.append(data)
