"""Fetching one page or feed for an import, politely and safely.

http and https only; a time limit for the whole fetch, redirects included; a
size cap, also on what a compressed body inflates to; a redirect limit; a
User-Agent that says who asks; conditional GET for feeds. Addresses on
loopback, private, link-local and other non-public networks are refused
(server-side request forgery) unless IMPORT_ALLOW_PRIVATE_ADDRESSES is on,
and the check is made on the address actually connected to, so a name that
resolves differently a second time cannot slip through.
"""

import codecs
import http.client
import ipaddress
import re
import socket
import ssl
import time
import zlib
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import charset_normalizer
from django.conf import settings

from .urls import InvalidURL, url_clean

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = frozenset({"text/plain"})
FEED_TYPES = frozenset(
    {
        "application/rss+xml", "application/atom+xml", "application/rdf+xml",
        "application/xml", "text/xml", "application/feed+json",
    }
)  # fmt: skip
PAGE_TYPES = HTML_TYPES | TEXT_TYPES
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CHUNK = 64 * 1024

META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:-]+)""")

DESCRIPTIONS = {
    "application/pdf": "a PDF document",
    "application/json": "JSON data",
    "application/zip": "a zip archive",
    "application/octet-stream": "a file to download",
}


class FetchError(Exception):
    """A fetch that failed, with a message an editor can act on."""


@dataclass(frozen=True)
class Fetched:
    url: str
    status: int
    content: bytes = b""
    content_type: str = ""
    charset: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    def text(self) -> str:
        return content_decode(content=self.content, declared=self.charset)


def _refuse_address(address: str) -> str | None:
    """Why connecting to `address` is refused, or None when it is allowed."""
    if settings.IMPORT_ALLOW_PRIVATE_ADDRESSES:
        return None
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "a loopback address (this machine)"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_private:
        return "a private network address"
    if not ip.is_global or ip.is_multicast:
        return "an address that is not on the public internet"
    return None


def _resolve(host: str, port: int, timeout: float) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchError(f"The site {host} could not be found (DNS: {error}).") from error
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    refused = [(a, why) for a in addresses if (why := _refuse_address(a))]
    if refused and len(refused) == len(addresses):
        raise FetchError(
            f"Newsroom does not fetch from {host}: it is {refused[0][1]}, which imports "
            "may not reach."
        )
    return [a for a in addresses if not _refuse_address(a)]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to one checked address while speaking to the host by name."""

    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _media_type(value: str) -> tuple[str, str]:
    media, _, params = (value or "").partition(";")
    charset = ""
    for param in params.split(";"):
        name, _, val = param.partition("=")
        if name.strip().lower() == "charset":
            charset = val.strip().strip("\"'")
    return media.strip().lower(), charset


def _describe(media: str) -> str:
    if media in DESCRIPTIONS:
        return DESCRIPTIONS[media]
    kind = media.split("/", 1)[0]
    if kind in ("image", "video", "audio"):
        return f"an {kind} file" if kind in ("image", "audio") else "a video"
    return f"content of type {media}"


class _Body:
    """Reads a response body within the size cap and the deadline."""

    def __init__(self, response, sock, *, deadline: float, limit: int, encoding: str):
        self.response, self.sock, self.deadline, self.limit = response, sock, deadline, limit
        encoding = encoding.strip().lower()
        if encoding in ("gzip", "x-gzip"):
            self.inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self.inflater = zlib.decompressobj()
        elif encoding in ("", "identity"):
            self.inflater = None
        else:
            raise FetchError(
                f"The server sent the page in an encoding Newsroom cannot read ({encoding})."
            )

    def _too_big(self):
        return FetchError(
            f"The response is larger than {self.limit // 1_000_000 or 1} MB, the most an "
            "import reads."
        )

    def read(self) -> bytes:
        out = bytearray()
        while True:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise _timeout()
            # A server trickling bytes must not outlast the deadline.
            self.sock.settimeout(remaining)
            try:
                chunk = self.response.read1(CHUNK)
            except TimeoutError as error:
                raise _timeout() from error
            except http.client.IncompleteRead as error:
                raise FetchError(
                    "The server closed the connection before the page ended."
                ) from error
            if not chunk:
                break
            if self.inflater is None:
                out += chunk
            else:
                try:
                    out += self.inflater.decompress(chunk, self.limit + 1 - len(out))
                except zlib.error as error:
                    raise FetchError(
                        "The server sent a compressed page that is damaged."
                    ) from error
                if self.inflater.unconsumed_tail:
                    raise self._too_big()
            if len(out) > self.limit:
                raise self._too_big()
        return bytes(out)


def _timeout() -> FetchError:
    return FetchError(
        f"The site took longer than {settings.IMPORT_TIMEOUT:g} seconds to answer; "
        "try again later, or paste the page instead."
    )


def _request(url: str, *, headers: dict[str, str], deadline: float):
    parts = urlsplit(url)
    host, scheme = parts.hostname, parts.scheme
    port = parts.port or (443 if scheme == "https" else 80)
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _timeout()
    errors = []
    for address in _resolve(host, port, remaining):
        cls = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
        connection = cls(host, parts.port, address=address, timeout=remaining)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request("GET", path, headers=headers)
            # Kept now: the connection lets go of its socket when the server
            # says it will close, and the body is still read through it.
            sock = connection.sock
            return connection, sock, connection.getresponse()
        except TimeoutError as error:
            connection.close()
            raise _timeout() from error
        except ssl.SSLError as error:
            connection.close()
            raise FetchError(f"The secure connection to {host} failed ({error.reason}).") from error
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            errors.append(error)
    detail = f" ({errors[-1]})" if errors else ""
    raise FetchError(f"Newsroom could not connect to {host}{detail}.")


def page_fetch(
    *,
    url: str,
    accept: frozenset[str] = PAGE_TYPES,
    etag: str = "",
    last_modified: str = "",
) -> Fetched:
    """GET `url`, following redirects, and return its body if its type is in `accept`.

    With `etag` or `last_modified` the request is conditional: an unchanged
    resource comes back as status 304 with no content. Raises FetchError
    with a message for the editor on any failure.
    """
    try:
        url = url_clean(url)
    except InvalidURL as error:
        raise FetchError(str(error)) from error
    deadline = time.monotonic() + settings.IMPORT_TIMEOUT
    headers = {
        "User-Agent": settings.IMPORT_USER_AGENT,
        "Accept": ", ".join(sorted(accept)) + ", */*;q=0.1",
        "Accept-Encoding": "gzip, deflate",
        "Accept-Language": "en, fr;q=0.8, *;q=0.5",
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    seen = [url]
    for _ in range(settings.IMPORT_MAX_REDIRECTS + 1):
        connection, sock, response = _request(url, headers=headers, deadline=deadline)
        try:
            if response.status in REDIRECT_STATUSES:
                location = response.getheader("Location", "")
                if not location:
                    raise FetchError(
                        f"The server answered {response.status} without saying where to."
                    )
                try:
                    url = url_clean(urljoin(url, location))
                except InvalidURL as error:
                    raise FetchError(
                        f"The page redirects to an address Newsroom refuses: {error}"
                    ) from error
                if url in seen:
                    raise FetchError("The page redirects in a loop and never arrives anywhere.")
                seen.append(url)
                continue
            return _read(url, response, sock, accept=accept, deadline=deadline)
        finally:
            connection.close()
    raise FetchError(
        f"The page redirected more than {settings.IMPORT_MAX_REDIRECTS} times; Newsroom gave up."
    )


def _read(url: str, response, sock, *, accept: frozenset[str], deadline: float) -> Fetched:
    headers = {k.lower(): v for k, v in response.getheaders()}
    if response.status == 304:
        return Fetched(url=url, status=304, headers=headers)
    if response.status >= 400:
        hint = {
            401: " The page needs a login: paste its text instead.",
            403: " The site refuses automated fetches: paste the page instead.",
            404: " Check the address.",
            410: " The page was removed.",
            429: " The site asks Newsroom to slow down; try again later.",
        }.get(response.status, " Try again later." if response.status >= 500 else "")
        raise FetchError(f"The site answered {response.status} {response.reason}.{hint}")
    if response.status != 200:
        raise FetchError(f"The site answered {response.status} {response.reason}, not a page.")
    media, charset = _media_type(response.getheader("Content-Type", ""))
    if media and media not in accept:
        wanted = "a feed" if accept & FEED_TYPES else "a web page"
        raise FetchError(f"The address returned {_describe(media)}, not {wanted}.")
    limit = settings.IMPORT_MAX_BYTES
    length = response.getheader("Content-Length", "")
    if length.isdigit() and int(length) > limit:
        raise FetchError(
            f"The response is larger than {limit // 1_000_000 or 1} MB, the most an import reads."
        )
    body = _Body(
        response,
        sock,
        deadline=deadline,
        limit=limit,
        encoding=response.getheader("Content-Encoding", ""),
    ).read()
    return Fetched(
        url=url, status=200, content=body, content_type=media, charset=charset, headers=headers
    )


def _try_decode(content: bytes, encoding: str) -> str | None:
    try:
        codecs.lookup(encoding)
        return content.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return None


def content_decode(*, content: bytes, declared: str = "") -> str:
    """`content` as text, whatever charset it was declared in, or none.

    A byte-order mark wins; then UTF-8 when the bytes are valid UTF-8 (a
    page declared Latin-1 but written in UTF-8 is common, the reverse
    almost never validates); then the declared charset, the page's own
    <meta charset> or XML declaration; then Windows-1252, the web's default
    for English and French pages that declare nothing; a statistical guess
    when even that fails, and last Windows-1252 with replacement characters.
    """
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if content.startswith(bom) and (text := _try_decode(content, encoding)) is not None:
            return text
    head = content[:4096]
    candidates = [declared]
    if not declared.lower().startswith(("utf-16", "utf-32", "utf16", "utf32")):
        candidates.insert(0, "utf-8")
    for pattern in (META_CHARSET, XML_ENCODING):
        if match := pattern.search(head):
            candidates.append(match.group(1).decode("ascii", "ignore"))
    candidates.append("cp1252")
    for encoding in filter(None, candidates):
        if (text := _try_decode(content, encoding)) is not None:
            return text
    best = charset_normalizer.from_bytes(content[:200_000]).best()
    if best is not None and (text := _try_decode(content, best.encoding)) is not None:
        return text
    return content.decode("cp1252", errors="replace")
