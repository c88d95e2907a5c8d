"""Which ``@odata.nextLink`` may be followed.

Every page of a collection, the first included, is read only from the origin (scheme, host,
port) of Graph itself (the transport's base URL): a next link is followed there only,
never twice in one collection, and at most ``max_pages`` pages are read: a link elsewhere
would carry the bearer token to another server (and splice its answer into the tenant), a
repeated link or an endless chain would read for ever.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pim_gitops.errors import GraphError
from pim_gitops.graph.envelopes import public_url
from pim_gitops.graph.limits import cap_name

DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(url: str) -> tuple[str, str, int | None]:
    """``(scheme, host, port)`` of a URL, the default port filled in."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = -1  # unparseable: never equal to a real origin
    return scheme, (parts.hostname or "").lower(), port or DEFAULT_PORTS.get(scheme)


class Pager:
    """The checks for one collection read from Graph at ``home`` (the transport's base URL),
    started at ``first``: a link handed in from elsewhere (a ``$batch`` answer's nextLink)
    is held to Graph's origin as much as one met while paging."""

    def __init__(self, first: str, max_pages: int, target: str | None, home: str) -> None:
        self.origin = origin(home)
        self.first = first
        self.max_pages = max_pages
        self.target = target
        self.seen = {first}
        self.pages = 1
        self._same_origin(first)

    def _error(self, message: str, link: str) -> GraphError:
        return GraphError(message, method="GET", url=public_url(link), target=self.target)

    def _same_origin(self, link: str) -> None:
        there = origin(link)
        if there != self.origin:
            scheme, host, port = there
            raise self._error(
                f"refusing to follow @odata.nextLink to another server ({scheme}://{host}:{port}"
                f"; the collection was read from {self.origin[0]}://{self.origin[1]}:"
                f"{self.origin[2]})",
                self.first,
            )

    def follow(self, link: str) -> str:
        """``link`` if it may be followed as the next page; else a ``GraphError`` saying why."""
        self._same_origin(link)
        if link in self.seen:
            raise self._error(
                f"@odata.nextLink repeats a page already read (after {self.pages} pages): "
                "Graph's paging is looping",
                link,
            )
        if self.pages >= self.max_pages:
            raise self._error(
                f"the collection has more than {self.max_pages} pages: the cap "
                f"{cap_name('max_pages')} stopped reading it",
                link,
            )
        self.seen.add(link)
        self.pages += 1
        return link
