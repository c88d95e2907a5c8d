"""An httpx transport that caps the size of every response body, after decompression.

It sits under msgraph's middleware (``build_adapter``) and decodes ``gzip``/``deflate``
itself, counting the decoded bytes as they arrive: a small compressed body that inflates to
hundreds of megabytes stops at the cap, not in memory. Other encodings are not asked for
(``Accept-Encoding: gzip, deflate``) and refused when sent anyway.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator

import httpx

DECODED = ("gzip", "x-gzip", "deflate")


class ResponseTooLarge(Exception):
    """A body passed the cap (raised while reading it; the transport names the cap)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"the response body is larger than {limit} bytes")


class UnknownEncoding(Exception):
    """A ``Content-Encoding`` we did not ask for."""


class _CappedStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, encoding: str, limit: int) -> None:
        self._inner = inner
        self._limit = limit
        self._seen = 0
        self._decoder = zlib.decompressobj(zlib.MAX_WBITS | 32) if encoding else None

    def _count(self, data: bytes) -> bytes:
        self._seen += len(data)
        if self._seen > self._limit:
            raise ResponseTooLarge(self._limit)
        return data

    def _decode(self, chunk: bytes) -> list[bytes]:
        if self._decoder is None:
            return [self._count(chunk)]
        out: list[bytes] = []
        pending = chunk
        while pending:
            try:
                data = self._decoder.decompress(pending, self._limit - self._seen + 1)
            except zlib.error as exc:
                raise httpx.DecodingError(f"cannot decompress the response: {exc}") from exc
            out.append(self._count(data))
            pending = self._decoder.unconsumed_tail
        return out

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            for data in self._decode(chunk):
                if data:
                    yield data
        if self._decoder is not None:
            tail = self._count(self._decoder.flush())
            if tail:
                yield tail

    async def aclose(self) -> None:
        await self._inner.aclose()


class CappedTransport(httpx.AsyncBaseTransport):
    """Wraps a transport; every response body is capped at ``max_bytes`` (decoded)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, max_bytes: int) -> None:
        self.inner = inner
        self.max_bytes = max_bytes

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.headers["Accept-Encoding"] = "gzip, deflate"
        response = await self.inner.handle_async_request(request)
        encoding = response.headers.get("content-encoding", "").strip().lower()
        if encoding in ("", "identity"):
            encoding = ""
        elif encoding not in DECODED:
            await response.aclose()
            raise UnknownEncoding(f"a response in an encoding that was not asked for: {encoding}")
        headers = [
            (k, v)
            for k, v in response.headers.multi_items()
            if not encoding or k.lower() not in ("content-encoding", "content-length")
        ]
        stream = response.stream
        assert isinstance(stream, httpx.AsyncByteStream)
        return httpx.Response(
            response.status_code,
            headers=headers,
            stream=_CappedStream(stream, encoding, self.max_bytes),
            extensions=response.extensions,
            request=request,
        )

    async def aclose(self) -> None:
        await self.inner.aclose()
