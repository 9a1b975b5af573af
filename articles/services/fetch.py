"""Fetching one page or feed for an import, politely and safely.

http and https only; a time limit for the whole fetch, redirects included; a
size cap, also on what a compressed body inflates to; a redirect limit; a
User-Agent that says who asks; conditional GET for feeds. Addresses on
loopback, private, link-local and other non-public networks are refused
(server-side request forgery), also when written inside an IPv6 address,
unless IMPORT_ALLOW_PRIVATE_ADDRESSES is on, and the check is made on the
address actually connected to, so a name that resolves differently a
second time cannot slip through.
"""

import http.client
import ipaddress
import socket
import ssl
import time
import zlib
from dataclasses import dataclass, field
from urllib.parse import SplitResult, quote, urljoin, urlsplit

from django.conf import settings

from .charsets import content_decode
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


# IPv6 prefixes that carry an IPv4 address in their last 32 bits, which is
# where packets to them end up: the IPv4-compatible form (deprecated, still
# routed to IPv4 by some stacks), the IPv4-translated form of stateless
# translators, and NAT64, whose gateway reaches private IPv4 networks too.
# ::ffff:0:0/96 (IPv4-mapped), 6to4 and Teredo are unwrapped by ipaddress.
IPV4_CARRIERS = (
    ipaddress.IPv6Network("::/96"),
    ipaddress.IPv6Network("::ffff:0:0:0/96"),
    ipaddress.IPv6Network("64:ff9b::/96"),
)
# The local-use NAT64 prefix (64:ff9b:1::/48, RFC 8215) places the IPv4 where
# the operator's prefix length says, which is not written in the address; it
# needs no unwrapping, as ipaddress counts it private and it is refused whole.


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses that packets to `ip` are delivered to."""
    found = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]  # Teredo: server, client
    # :: and ::1 are in ::/96 but carry no IPv4 address.
    if any(ip in net for net in IPV4_CARRIERS) and not (ip.is_loopback or ip.is_unspecified):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return [address for address in found if address is not None]


def _not_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if ip.is_loopback:
        return "a loopback address (this machine)"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_private:
        return "a private network address"
    if not ip.is_global or ip.is_multicast:
        return "an address that is not on the public internet"
    return None


def _refuse_address(address: str) -> str | None:
    """Why connecting to `address` is refused, or None when it is allowed.

    Allowed only when the address is global (ipaddress's registry of special
    ranges, not a list kept here) and so is every IPv4 address it carries:
    NAT64 of a public IPv4 address is allowed, as it is how an IPv6-only
    host reaches every IPv4-only site.
    """
    if settings.IMPORT_ALLOW_PRIVATE_ADDRESSES:
        return None
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    for inner in _embedded_ipv4(ip) if ip.version == 6 else ():
        if why := _not_public(inner):
            return f"{why}, {inner} inside an IPv6 address"
    return _not_public(ip)


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


def _remaining(deadline: float) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError
    return remaining


class _DeadlineSocket(socket.socket):
    """A socket whose every read waits only until the fetch's deadline: a server
    sending a byte now and then, in its headers, chunk sizes or body, must not
    outlast the time limit of the whole fetch."""

    deadline = float("inf")

    def recv_into(self, buffer, nbytes=0, flags=0):
        self.settimeout(_remaining(self.deadline))
        return super().recv_into(buffer, nbytes, flags)


class _DeadlineSSLSocket(ssl.SSLSocket):
    deadline = float("inf")

    def recv_into(self, buffer, nbytes=None, flags=0):
        self.settimeout(_remaining(self.deadline))
        return super().recv_into(buffer, nbytes, flags)


def _connect(address: str, port: int, deadline: float) -> _DeadlineSocket:
    family, kind, proto, _, sockaddr = socket.getaddrinfo(
        address, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST
    )[0]
    sock = _DeadlineSocket(family, kind, proto)
    sock.deadline = deadline
    try:
        sock.settimeout(_remaining(deadline))
        sock.connect(sockaddr)
    except BaseException:
        sock.close()
        raise
    return sock


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to one checked address while speaking to the host by name."""

    def __init__(self, host, port, *, address, deadline):
        super().__init__(host, port)
        self._address, self._deadline = address, deadline

    def connect(self):
        self.sock = _connect(self._address, self.port, self._deadline)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, *, address, deadline):
        context = ssl.create_default_context()
        context.sslsocket_class = _DeadlineSSLSocket
        super().__init__(host, port, context=context)
        self._address, self._deadline = address, deadline

    def connect(self):
        sock = _connect(self._address, self.port, self._deadline)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
        self.sock.deadline = self._deadline


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
    """Reads a response body within the size cap; its socket keeps the deadline."""

    def __init__(self, response, *, limit: int, encoding: str):
        self.response, self.limit = response, limit
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
        out, received = bytearray(), 0
        # http.client closes the response once the body is complete: its
        # length read, its last chunk, or the server's close. (The socket may
        # be closed with it: HTTP/1.0 and Connection: close hang up after.)
        while not self.response.isclosed():
            try:
                chunk = self.response.read1(CHUNK)
            except TimeoutError as error:
                raise _timeout() from error
            except http.client.IncompleteRead as error:
                raise _cut_short() from error
            except (OSError, http.client.HTTPException) as error:
                raise FetchError(
                    f"The connection broke before the page was complete ({error})."
                ) from error
            received += len(chunk)
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
        # http.client ends a body cut short of its Content-Length quietly, with
        # the rest still owed in `length`. Without a length or chunks, only a
        # compressed stream's own end tells a whole page from one cut short.
        if self.response.length or (self.inflater and received and not self.inflater.eof):
            raise _cut_short()
        return bytes(out)


def _cut_short() -> FetchError:
    return FetchError(
        "The server closed the connection before the page was complete; try again later."
    )


def _timeout() -> FetchError:
    return FetchError(
        f"The site took longer than {settings.IMPORT_TIMEOUT:g} seconds to answer; "
        "try again later, or paste the page instead."
    )


def _header_text(value: str) -> str:
    """A header as its server meant it: http.client reads headers as Latin-1,
    but a server that writes an address unescaped writes it in UTF-8."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value


def _header_safe(value: str) -> bool:
    return bool(value) and value.isprintable() and value.isascii()


def _request_target(parts: SplitResult) -> str:
    """The path and query to send: an address as readers see it ("/actualités",
    "/my page") goes out escaped in UTF-8, as browsers send it; escapes
    already in it are kept."""
    target = quote(parts.path or "/", safe="/%:@!$&'()*+,;=~")
    if parts.query:
        target += "?" + quote(parts.query, safe="/%:@!$&'()*+,;=~?")
    return target


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
        connection = cls(host, parts.port, address=address, deadline=deadline)
        path = _request_target(parts)
        try:
            connection.request("GET", path, headers=headers)
            return connection, connection.getresponse()
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
    # Validators as stored: one that is no valid header value is left out.
    if _header_safe(etag):
        headers["If-None-Match"] = etag
    if _header_safe(last_modified):
        headers["If-Modified-Since"] = last_modified
    seen = [url]
    for _ in range(settings.IMPORT_MAX_REDIRECTS + 1):
        connection, response = _request(url, headers=headers, deadline=deadline)
        try:
            if response.status in REDIRECT_STATUSES:
                location = _header_text(response.getheader("Location", ""))
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
            return _read(url, response, accept=accept)
        finally:
            connection.close()
    raise FetchError(
        f"The page redirected more than {settings.IMPORT_MAX_REDIRECTS} times; Newsroom gave up."
    )


def _read(url: str, response, *, accept: frozenset[str]) -> Fetched:
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
    body = _Body(response, limit=limit, encoding=response.getheader("Content-Encoding", "")).read()
    return Fetched(
        url=url, status=200, content=body, content_type=media, charset=charset, headers=headers
    )
