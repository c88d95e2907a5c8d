"""Which ``@odata.nextLink`` may be followed.

Every page of a collection, the first included, is read only from the origin (scheme, host,
port) of Graph itself (the transport's base URL): a next link is followed there only,
never twice in one collection, and at most ``max_pages`` pages are read: a link elsewhere
would carry the bearer token to another server (and splice its answer into the tenant), a
repeated link or an endless chain would read for ever. Scheme and host are compared
without regard to case (RFC 3986 §6.2.2.1: ``HTTPS://GRAPH.microsoft.com`` is Graph) and the
link is followed in that normal form; a link with user information (``user@host``) is
refused, whatever its host: httpx would send it as a ``Basic`` credential. The bytes of
the pages read are counted against ``max_collection_bytes``.
"""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit, urlunsplit

from pim_gitops.errors import GraphError
from pim_gitops.graph.envelopes import public_url
from pim_gitops.graph.limits import cap_name

DEFAULT_PORTS = {"http": 80, "https": 443}


def _port(parts: SplitResult) -> int | None:
    try:
        return parts.port
    except ValueError:
        return -1  # unparseable: never equal to a real origin


def origin(url: str) -> tuple[str, str, int | None]:
    """``(scheme, host, port)`` of a URL, lower-cased, the default port filled in."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), _port(parts) or DEFAULT_PORTS.get(scheme)


def normal_form(url: str) -> str:
    """``url`` with its scheme and host lower-cased (RFC 3986 §6.2.2.1); the path, query
    and an explicit port as they are."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    netloc = f"[{host}]" if ":" in host else host
    port = _port(parts)
    if port is not None:
        netloc += f":{port}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, parts.fragment))


def has_userinfo(url: str) -> bool:
    parts = urlsplit(url)
    return parts.username is not None or parts.password is not None


class Pager:
    """The checks for one collection read from Graph at ``home`` (the transport's base URL),
    started at ``first``: a link handed in from elsewhere (a ``$batch`` answer's nextLink)
    is held to Graph's origin as much as one met while paging."""

    def __init__(
        self,
        first: str,
        max_pages: int,
        target: str | None,
        home: str,
        max_bytes: int | None = None,
    ) -> None:
        self.origin = origin(home)
        self.target = target
        self._same_origin(first, first)
        self.first = normal_form(first)
        self.max_pages = max_pages
        self.max_bytes = max_bytes
        self.seen = {self.first}
        self.pages = 1
        self.bytes = 0

    def _error(self, message: str, link: str) -> GraphError:
        return GraphError(message, method="GET", url=public_url(link), target=self.target)

    def _same_origin(self, link: str, first: str) -> None:
        if has_userinfo(link):
            raise self._error(
                "refusing to follow @odata.nextLink with user information in it "
                "(user@host): it would be sent as a credential",
                first,
            )
        there = origin(link)
        if there != self.origin:
            scheme, host, port = there
            raise self._error(
                f"refusing to follow @odata.nextLink to another server ({scheme}://{host}:{port}"
                f"; the collection was read from {self.origin[0]}://{self.origin[1]}:"
                f"{self.origin[2]})",
                first,
            )

    def count(self, size: int) -> None:
        """Count a page of ``size`` bytes; a ``GraphError`` once the collection passes
        ``max_bytes``."""
        self.bytes += size
        if self.max_bytes is not None and self.bytes > self.max_bytes:
            raise self._error(
                f"the collection is larger than {self.max_bytes} bytes after {self.pages} "
                f"pages: the cap {cap_name('max_collection_bytes')} stopped reading it",
                self.first,
            )

    def follow(self, link: str) -> str:
        """``link`` (in normal form) if it may be followed as the next page; else a
        ``GraphError`` saying why."""
        self._same_origin(link, self.first)
        link = normal_form(link)
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
