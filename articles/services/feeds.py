"""Polling the sources' feeds (RSS 0.9x, 1.0, 2.0 and Atom, with feedparser).

Polite: a conditional GET with the validators the server gave last time,
and no poll before the source's interval has passed. Each new entry becomes
a draft through the same import as a pasted URL: the feed's own text when
it carries the whole article, the page at the entry's link when it carries
only a teaser. The poll's time and error are kept on the source.
"""

import codecs
import contextlib
import html
import io
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin

import feedparser
from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as xml_fromstring
from django.db.models import Count
from django.utils import timezone
from lxml import etree
from lxml import html as lxml_html

from articles.models import ImportOrigin, ImportRecord, ImportStatus, Source

from .addresses import RefusedAddress, url_declared
from .dates import date_checked, date_read
from .extract import looks_like_html, plain_text
from .fetch import FEED_TYPES, HTML_TYPES, FetchError, page_fetch
from .ingest import EntryHints, article_find_by_url_key, import_record_create, import_record_run
from .urls import url_key

# A feed entry whose text is at least this many words carries the article
# itself; a shorter one is a teaser, and the page at its link is fetched.
FULL_TEXT_WORDS = 150
# A failing entry is tried on this many polls, then left alone.
MAX_ATTEMPTS = 3
ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.I)
XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]{0,300}\?>")
BOMS = (
    codecs.BOM_UTF8,
    codecs.BOM_UTF32_LE,
    codecs.BOM_UTF32_BE,
    codecs.BOM_UTF16_LE,
    codecs.BOM_UTF16_BE,
)
ENTITIES_ADVICE = "Ask the outlet for a plain RSS or Atom feed, or give the source another one."
# What a feed is read as when its bytes are not in the charset it declares:
# the charset English and French feeds that declare the wrong one are nearly
# always in, and one every byte decodes in (five undefined ones as "�").
FALLBACK_CHARSET = "cp1252"

logger = logging.getLogger(__name__)


@dataclass
class FeedPollResult:
    source: Source
    not_modified: bool = False
    error: str = ""
    entries: int = 0
    records: list[ImportRecord] = field(default_factory=list)
    known: int = 0
    given_up: int = 0

    def count(self, status: str) -> int:
        return sum(1 for record in self.records if record.status == status)


class FeedError(Exception):
    """A feed that cannot be read, with a message for the editor."""


def feed_parse(
    *, content: bytes, url: str = "", content_type: str = "", charset: str = ""
) -> feedparser.FeedParserDict:
    """The feed in `content`, as fetched from `url` with the type and charset
    the server gave. Refuses entity declarations (expansion bombs, external
    entities) before any parser expands them. A feed whose bytes are not in
    the charset it declares is read as Windows-1252, and
    `parsed["newsroom_notes"]` asks the editor to check its drafts' characters."""
    at = f" at {url}" if url else ""
    if not content.strip():
        raise FeedError(
            f"The feed{at} could not be read: the feed is empty, the server sent nothing. "
            "Open the source's feed URL in a browser to check it, or poll again later."
        )
    content, charset_note = _feed_bytes(content, charset)
    try:
        xml_fromstring(content, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except (EntitiesForbidden, ExternalReferenceForbidden, DTDForbidden) as error:
        raise FeedError(
            f"The feed{at} declares XML entities, which Newsroom refuses for safety "
            f"(they can expand without end or read files). {ENTITIES_ADVICE}"
        ) from error
    except (ParseError, ValueError):
        # Not well-formed: feedparser reads it leniently below; a declaration
        # the strict parser did not reach is refused all the same.
        if ENTITY_DECLARATION.search(content):
            raise FeedError(
                f"The feed{at} declares XML entities, which Newsroom refuses for safety. "
                f"{ENTITIES_ADVICE}"
            ) from None
    parsed = feedparser.parse(
        io.BytesIO(content),
        response_headers={"content-location": url} if url else None,
        sanitize_html=False,  # articles.sanitize is the one sanitizer
        resolve_relative_uris=True,
    )
    if not parsed.entries and not parsed.get("version"):
        if content_type in HTML_TYPES or looks_like_html(content[:5000].decode("latin-1")):
            raise FeedError(_web_page_message(content, url))
        reason = parsed.get("bozo_exception") or "it is not RSS or Atom"
        raise FeedError(
            f"The feed{at} could not be read: {reason}. Open the source's feed URL in a "
            "browser to check it is the outlet's RSS or Atom feed, and correct it if not."
        )
    if not parsed.entries:
        raise FeedError(
            f"The feed{at} is empty: it lists no articles. Check that the source's feed URL "
            "is the outlet's news feed, or poll again later."
        )
    parsed["newsroom_notes"] = (charset_note,) if charset_note else ()
    return parsed


def _feed_bytes(content: bytes, charset: str) -> tuple[bytes, str]:
    """`content` as UTF-8 for the parser, read in the charset it is really
    in, and a note when that is not the one the server or the feed declared
    (UTF-8 when neither does): UTF-8 when the bytes are (a feed labelled
    Latin-1 but written in UTF-8 is common, the reverse almost never
    validates), else the first declared charset that reads them, else
    Windows-1252."""
    if content.startswith(BOMS):
        return content, ""
    declared = [charset] if charset else []
    if match := XML_ENCODING.match(content):
        declared.append(match[1].decode("ascii"))
    said = f"says it is in {declared[0]}" if declared else "names no charset, so is UTF-8"
    named = [codecs.lookup(e).name for e in declared if _known(e)]
    text, note = None, ""
    if not content.isascii() and named[:1] != ["utf-8"]:
        with contextlib.suppress(UnicodeDecodeError):
            text = content.decode("utf-8")
            note = f"the feed {said}, but it is written in UTF-8, so Newsroom read it as UTF-8"
    for encoding in named or ["utf-8"]:
        if text is None:
            # LookupError: a codec that is not for text ("hex", "rot13").
            with contextlib.suppress(UnicodeDecodeError, LookupError):
                text = content.decode(encoding)
    if text is None:
        text = content.decode(FALLBACK_CHARSET, errors="replace")
        note = f"the feed {said}, but it is not, so Newsroom read it as Windows-1252"
    text = XML_DECLARATION.sub("", text, count=1)
    return f'<?xml version="1.0" encoding="utf-8"?>{text}'.encode(), (
        f"Check the characters: {note}; accented letters, quotes or dashes may be wrong."
        if note
        else ""
    )


def _known(encoding: str) -> bool:
    try:
        codecs.lookup(encoding)
    except LookupError:
        return False
    return True


def _web_page_message(content: bytes, url: str) -> str:
    page = url or "the address"
    command = f"`python manage.py import_url {url}`" if url else "`python manage.py import_url`"
    message = (
        f"The feed could not be read: {page} is a web page, not a feed. To bring that page "
        "in as an article, import it on the Import page (Coverage › Import records › "
        f"Import an article) or with {command}. To poll the outlet, give the source the "
        "address of its RSS or Atom feed"
    )
    feed = _feed_named(content, url)
    return f"{message}: the page names {feed}." if feed else f"{message}."


def _feed_named(content: bytes, url: str) -> str:
    """The feed a web page names in its <link rel="alternate">, if Newsroom may use it."""
    try:
        root = lxml_html.document_fromstring(content)
    except (etree.LxmlError, ValueError):
        return ""
    for href in root.xpath(
        "//link[contains(concat(' ', normalize-space(@rel), ' '), ' alternate ')]"
        "[@type='application/rss+xml' or @type='application/atom+xml']/@href"
    ):
        try:
            return url_declared(urljoin(url, href.strip()))
        except RefusedAddress:
            continue
    return ""


def _entry_link(entry) -> tuple[str, str]:
    """The entry's link when Newsroom may follow it, else "" and why not. Its
    id stands in only for an entry with no link at all: a refused link is not
    to be replaced by an address made from the id."""
    if link := (entry.get("link") or "").strip():
        try:
            return url_declared(link), ""
        except RefusedAddress as error:
            return "", f"links to {link[:200]}, which Newsroom does not follow: {error}"
    try:
        return url_declared(entry.get("id") or ""), ""
    except RefusedAddress:
        return "", ""


def _entry_content(entry) -> str:
    contents = [c.get("value", "") for c in entry.get("content", [])]
    return max([*contents, entry.get("summary", "")], key=len)


def _entry_date_given(entry) -> str:
    """The entry's date as the feed wrote it. Not feedparser's reading of
    it, which turns 30 February into 2 March and a Unix timestamp into 1672."""
    return plain_text(entry.get("published") or entry.get("updated"), max_length=100)


def _entry_page(entry, link: str, content: str) -> str:
    """The entry as a small HTML page, so its full text goes through the
    same extraction and sanitizing as any page."""
    date, _ = date_checked(date_read(_entry_date_given(entry)), where="feed")
    meta = [
        f"<title>{html.escape(plain_text(entry.get('title')))}</title>",
        f'<link rel="canonical" href="{html.escape(link)}">' if link else "",
        f'<meta name="author" content="{html.escape(plain_text(entry.get("author")))}">'
        if entry.get("author")
        else "",
        f'<meta property="article:published_time" content="{date.isoformat()}">' if date else "",
    ]
    title = html.escape(plain_text(entry.get("title")))
    return (
        f"<!doctype html><html><head>{''.join(meta)}</head><body><article>"
        f"<h1>{title}</h1>{content}</article></body></html>"
    )


def _words(fragment: str) -> int:
    return len(re.sub(r"<[^>]*>", " ", fragment).split())


def feed_poll(
    *,
    source: Source,
    user=None,
    progress: Callable[[int, int, ImportRecord], None] | None = None,
) -> FeedPollResult:
    """Poll `source`'s feed once and import its new entries as drafts."""
    result = FeedPollResult(source=source)
    try:
        fetched = page_fetch(
            url=source.feed_url,
            accept=FEED_TYPES | HTML_TYPES,  # to tell the editor it is a page
            etag=source.feed_etag,
            last_modified=source.feed_last_modified,
        )
        if fetched.not_modified:
            result.not_modified = True
        else:
            parsed = feed_parse(
                content=fetched.content,
                url=fetched.url,
                content_type=fetched.content_type,
                charset=fetched.charset,
            )
            _entries_import(source, parsed, result, user=user, progress=progress)
    except (FetchError, FeedError) as error:
        result.error = str(error)
    except Exception as error:  # a bug must not stop the poll of the other sources
        logger.exception("Polling the feed of source %s failed unexpectedly", source.pk)
        result.error = (
            f"Newsroom hit an unexpected error ({type(error).__name__}) while polling this "
            "feed; it has been logged."
        )
    else:
        if not fetched.not_modified:
            source.feed_etag = fetched.headers.get("etag", "")[:500]
            source.feed_last_modified = fetched.headers.get("last-modified", "")[:100]
    source.feed_polled_at = timezone.now()
    source.feed_error = result.error
    source.save(update_fields=["feed_polled_at", "feed_error", "feed_etag", "feed_last_modified"])
    return result


def _entries_import(source, parsed, result: FeedPollResult, *, user, progress) -> None:
    entries = parsed.entries
    result.entries = len(entries)
    links = {id(entry): _entry_link(entry)[0] for entry in entries}
    failures = dict(
        ImportRecord.objects.filter(
            source=source,
            origin=ImportOrigin.FEED,
            status=ImportStatus.FAILED,
            url__in=[link for link in links.values() if link],
        )
        .values_list("url")
        .annotate(n=Count("pk"))
    )
    new = []
    for entry in entries:
        link = links[id(entry)]
        if link and article_find_by_url_key(url_key(link)):
            result.known += 1
        elif failures.get(link, 0) >= MAX_ATTEMPTS:
            result.given_up += 1
        else:
            new.append(entry)
    for number, entry in enumerate(new, start=1):
        record = _entry_import(
            source, entry, links[id(entry)], user=user, notes=parsed["newsroom_notes"]
        )
        result.records.append(record)
        if progress:
            progress(number, len(new), record)


def _entry_import(source: Source, entry, link: str, *, user, notes=()) -> ImportRecord:
    title = plain_text(entry.get("title")) or "untitled entry"
    content = _entry_content(entry)
    full = _words(content) >= FULL_TEXT_WORDS
    record = import_record_create(
        origin=ImportOrigin.FEED,
        requested=f"{source.name} feed: {link or title}",
        url=link,
        payload=_entry_page(entry, link, content) if full else "",
        source=source,
        user=user,
    )
    refused = _entry_link(entry)[1]
    if not link and not full:
        record.status, record.finished_at = ImportStatus.FAILED, timezone.now()
        record.message = (
            f"The feed entry “{title}” "
            + (f"{refused}, and has" if refused else "has no link to its article and")
            + " too little text to import on its own: import the article from its "
            "page's address, or paste it, on the Import page."
        )
        record.save()
        return record
    hints = EntryHints(
        title=plain_text(entry.get("title")),
        byline=plain_text(entry.get("author")),
        published=_entry_date_given(entry),
        notes=(*notes, f"The feed entry {refused}; it is imported from the feed's own text.")
        if refused
        else tuple(notes),
    )
    return import_record_run(record=record, hints=hints)


def feeds_due(*, now: datetime | None = None, slug: str = ""):
    """Active sources with a feed whose interval has passed; with `slug`, that
    source now, whatever its interval."""
    now = now or timezone.now()
    sources = Source.objects.exclude(feed_url="")
    if slug:
        return list(sources.filter(slug=slug))
    return [s for s in sources.filter(is_active=True) if s.feed_is_due(now)]
