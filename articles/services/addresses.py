"""Whether Newsroom may use an address that a page or a feed names.

A page imported from a file or pasted HTML names its own address (canonical,
og:url, <base href>, an alternate) and links to others; a feed entry links
to its article. Newsroom stores these, makes outlets from them and fetches
some, so each passes the same rule as a fetch: http or https only, and no
loopback, private, link-local or other non-public network, nor a host name
that only means something inside one (localhost, *.local, *.internal such
as metadata.google.internal). Names are not looked up: one DNS query per
link would be slow, and a fetch checks the address it connects to anyway.
IMPORT_ALLOW_PRIVATE_ADDRESSES lifts the network part, as for a fetch.
"""

import html
import ipaddress
import re
import socket
from urllib.parse import urlsplit

from django.conf import settings
from lxml import html as lxml_html

from .fetch import _refuse_address
from .urls import InvalidURL, url_clean

INTERNAL_SUFFIXES = (
    ".localhost", ".local", ".internal", ".localdomain", ".home.arpa", ".lan", ".intranet",
)  # fmt: skip
# A last label in digits (or hex) makes a host an IPv4 address in some
# legacy form ("2130706433", "0x7f.1", "127.1"), which a fetch would connect to.
NUMERIC_LABEL = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)$", re.I)
INTERNAL_NAME = "a name that only means something inside a private network"


class RefusedAddress(InvalidURL):
    """An address Newsroom does not use; the message says why, as a clause."""


def _host_refusal(host: str) -> str | None:
    host = host.rstrip(".").lower()
    try:
        address = str(ipaddress.ip_address(host))
    except ValueError:
        address = ""
        if NUMERIC_LABEL.match(host.rsplit(".", 1)[-1]):
            try:
                address = socket.inet_ntoa(socket.inet_aton(host))
            except OSError:
                return "not a valid address"
    if address:
        return _refuse_address(address)
    if host == "localhost" or host.endswith(INTERNAL_SUFFIXES) or "." not in host:
        return INTERNAL_NAME
    return None


def url_declared(url: str) -> str:
    """`url` as a working address (see `url_clean`), when Newsroom may use it.

    Raises RefusedAddress saying why not: another scheme than http(s), or a
    host on a network imports may not reach."""
    try:
        cleaned = url_clean(url)
    except InvalidURL:
        scheme = urlsplit(url.strip()).scheme if ":" in url else ""
        if scheme.lower() in ("http", "https"):
            why = "it is not a valid address"
        elif scheme:
            why = f"it is a {scheme}: address, not http or https"
        else:
            why = "it is not a whole address"
        raise RefusedAddress(why) from None
    if settings.IMPORT_ALLOW_PRIVATE_ADDRESSES:
        return cleaned
    host = urlsplit(cleaned).hostname or ""
    if why := _host_refusal(host):
        raise RefusedAddress(f"{host} is {why}")
    return cleaned


def links_checked(body_html: str) -> tuple[str, str]:
    """`body_html` without the links Newsroom may not use, their words kept,
    and a note saying which went; ("", "") for an empty body."""
    if not body_html:
        return body_html, ""
    root = lxml_html.fragment_fromstring(body_html, create_parent="div")
    dropped = []
    for link in root.iter("a"):
        href = (link.get("href") or "").strip()
        if not href or href.lower().startswith("mailto:"):
            continue
        try:
            url_declared(href)
        except RefusedAddress as error:
            dropped.append(f"{href[:200]} ({error})")
            link.drop_tag()
    if not dropped:
        return body_html, ""
    inner = html.escape(root.text or "", quote=False) + "".join(
        lxml_html.tostring(child, encoding="unicode") for child in root
    )
    links = "1 link" if len(dropped) == 1 else f"{len(dropped)} links"
    return inner, (
        f"{links} in the text went to addresses Newsroom does not link to, and were "
        f"removed (their words are kept): {'; '.join(dropped[:3])}"
        + ("; …" if len(dropped) > 3 else "")
        + "."
    )
