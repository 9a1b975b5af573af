"""Canonical forms of article URLs, so one page imported twice is one article.

`url_key` is the form duplicates are found by: it need not be a working
address (readers follow `Article.url`, which keeps the outlet's own form).
`url_clean` is the working address with tracking parameters and fragments
removed. Neither does any I/O.
"""

import contextlib
import re
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

DEFAULT_PORTS = {"http": 80, "https": 443}

# Parameters that say where a reader came from, never which page it is.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
        "igshid", "mc_cid", "mc_eid", "_ga", "_gl", "ocid", "cmpid", "cmp", "ito",
        "ncid", "sr_share", "smid", "taid", "ref_src", "ref_url",
        "spm", "guccounter", "guce_referrer", "guce_referrer_sig", "mkt_tok",
        "outputtype", "amp", "amp_js_v", "usqp", "__twitter_impression",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "__hs", "vero_", "oly_")

# The Google AMP cache serves https://host/path as
# https://host-with-dashes.cdn.ampproject.org/c/s/host/path.
AMP_CACHE = re.compile(r"^/(?:[a-z]/)*(?P<secure>s/)?(?P<rest>[^/]+/.*)$")
# AMP copies of a page: /story/amp, /story/amp/, /amp/story, /story.amp.html
AMP_SUFFIX = re.compile(r"(?:/amp/?|\.amp(?=\.html?$|$))$", re.IGNORECASE)
AMP_PREFIX = re.compile(r"^/amp(?=/)", re.IGNORECASE)


class InvalidURL(ValueError):
    """Not an http or https address with a host."""


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def _unwrap_amp_cache(parts):
    if not parts.hostname or not parts.hostname.endswith(".cdn.ampproject.org"):
        return parts
    match = AMP_CACHE.match(parts.path)
    if not match:
        return parts
    scheme = "https" if match["secure"] else "http"
    return urlsplit(f"{scheme}://{match['rest']}" + (f"?{parts.query}" if parts.query else ""))


def url_clean(url: str) -> str:
    """`url` as a working address: scheme and host lower-cased, default port,
    fragment and tracking parameters dropped, AMP cache unwrapped.

    Raises InvalidURL for anything but an absolute http(s) URL.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise InvalidURL(f"{url!r} is not a valid address ({error}).") from error
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise InvalidURL(f"{url!r} is not an http or https address.")
    parts = _unwrap_amp_cache(parts)
    scheme, port = parts.scheme.lower(), parts.port
    host = parts.hostname.rstrip(".")
    # An unusual but valid host (e.g. with "_") is kept as written.
    with contextlib.suppress(UnicodeError):
        host = host.encode("idna").decode("ascii")
    netloc = f"[{host}]" if ":" in host else host  # an IPv6 address keeps its brackets
    if port not in (None, DEFAULT_PORTS[scheme]):
        netloc = f"{netloc}:{port}"
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)
    ]
    return urlunsplit((scheme, netloc, parts.path or "/", urlencode(query, doseq=True), ""))


def url_key(url: str) -> str:
    """The form two addresses of one page share, for finding duplicates.

    On top of `url_clean`: no `www.`, http and https alike, no AMP variant,
    no trailing slash, percent-encoding decoded, query parameters sorted.
    Returns "" for an empty or invalid URL: it then matches nothing.
    """
    if not url or not url.strip():
        return ""
    try:
        parts = urlsplit(url_clean(url))
    except InvalidURL:
        return ""
    host = parts.netloc.removeprefix("www.")
    path = AMP_PREFIX.sub("", AMP_SUFFIX.sub("", unquote(parts.path)))
    path = re.sub(r"/{2,}", "/", path).rstrip("/")
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return f"{host}{path}" + (f"?{query}" if query else "")


def url_domain(url: str) -> str:
    """The host of `url` without `www.`, lower-cased; "" when there is none."""
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""
    return host.rstrip(".").removeprefix("www.")


def domain_candidates(domain: str) -> list[str]:
    """`news.cbc.example` -> [`news.cbc.example`, `cbc.example`]: the page's
    host, then each parent with at least two labels, to match a source's homepage."""
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)] or ([domain] if domain else [])
