"""AiohttpRequest: python-telegram-bot's networking backend, on aiohttp instead of httpx.

python-telegram-bot lets a bot bring its own HTTP client (a `BaseRequest` subclass); all of
its error handling (429 → RetryAfter, 403 → Forbidden, 400 → BadRequest ...) stays as it is,
because that happens above `do_request`. The library's default, httpx, spends most of a busy
bot's CPU in its connection pool: with many requests in flight it checks every open
connection's socket each time a request starts or ends. aiohttp's pool and C parser cost a
fraction of that per request (figures in docs/performance.md).

Parameters go as a JSON body, which the Bot API accepts for every method; a request with a
file goes as multipart form data. A proxy named by the environment (HTTPS_PROXY, NO_PROXY ...)
is used, as python-telegram-bot's default does; it is looked up once per host, not on every
request as aiohttp's `trust_env` does (which also reads ~/.netrc each time: a fifth of a busy
sender's CPU).
"""

from __future__ import annotations

import urllib.parse
import urllib.request

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

JSON = {"Content-Type": "application/json"}


def proxy_for(url: str) -> str | None:
    """The proxy the environment names for `url` (None: connect directly)."""
    parts = urllib.parse.urlsplit(url)
    if urllib.request.proxy_bypass(parts.hostname or ""):
        return None
    return urllib.request.getproxies().get(parts.scheme)


def _chosen(value: object, default: float | None) -> float | None:
    """A timeout passed for one call, or this object's own when the call left it unset."""
    return value if isinstance(value, (int, float)) or value is None else default


class AiohttpRequest(BaseRequest):
    __slots__ = (
        "_connect_timeout",
        "_connections",
        "_proxies",
        "_read_timeout",
        "_session",
        "_write_timeout",
    )

    def __init__(
        self,
        *,
        connections: int = 8,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
    ) -> None:
        self._connections = connections
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, str | None] = {}  # by scheme://host

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        read = _chosen(read_timeout, self._read_timeout)
        write = _chosen(write_timeout, self._write_timeout)
        connect = _chosen(connect_timeout, self._connect_timeout)
        pool = _chosen(pool_timeout, None)
        # aiohttp has no separate write timeout: the whole request may take write + read.
        total = None if read is None or write is None else read + write + (pool or 0)
        timeout = aiohttp.ClientTimeout(total=total, sock_connect=connect, sock_read=read)
        body: aiohttp.FormData | bytes | None = None
        headers = None
        if request_data is not None:
            if request_data.contains_files:
                body = aiohttp.FormData(request_data.json_parameters)
                for name, upload in request_data.multipart_data.items():
                    filename, content, *mime = upload
                    body.add_field(
                        name, content, filename=filename, content_type=mime[0] if mime else None
                    )
            else:
                body = request_data.json_payload
                headers = JSON
        origin = url[: url.find("/", url.find("//") + 2)]
        if origin not in self._proxies:
            self._proxies[origin] = proxy_for(url)
        try:
            async with self._session.request(
                method,
                url,
                data=body,
                headers=headers,
                timeout=timeout,
                proxy=self._proxies[origin],
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{exc.__class__.__name__}: {exc}") from exc
