"""The one place that decides what HTML Newsroom stores.

Everything stored as HTML passes through `sanitize_html` on write; templates
mark only its output safe. Keeping bleach behind this one function means the
day the rules change, this file is the only one that does.
"""

import functools
import re
import threading
from html.parser import HTMLParser

from bleach.html5lib_shim import Filter
from bleach.sanitizer import Cleaner

# Structure of news text: paragraphs, headings, lists, quotes, emphasis,
# links, figures and simple tables. Nothing that runs, styles or embeds.
ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr",
        "h2", "h3", "h4", "h5", "h6",
        "ul", "ol", "li", "dl", "dt", "dd",
        "blockquote", "q", "cite",
        "em", "strong", "b", "i", "u", "s", "small", "sub", "sup", "mark",
        "abbr", "time", "code", "pre",
        "a",
        "figure", "figcaption", "img",
        "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
    }
)  # fmt: skip

ALLOWED_ATTRIBUTES = {
    "a": ["href", "title"],
    "abbr": ["title"],
    "blockquote": ["cite"],
    "q": ["cite"],
    "time": ["datetime"],
    "img": ["src", "alt", "title", "width", "height"],
    "th": ["colspan", "rowspan", "scope"],
    "td": ["colspan", "rowspan"],
}

ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

LINK_REL = "nofollow noopener"

# Elements whose content is code, styling or hidden markup rather than text a
# reader should see: they go with everything inside them, instead of leaving
# their raw text behind as bleach's strip would.
DROPPED_WITH_CONTENT = frozenset(
    {
        "script", "style", "template", "noscript", "textarea", "select",
        "iframe", "frame", "frameset", "object", "embed", "applet",
        "svg", "math", "title", "head",
    }
)  # fmt: skip


class _DropContentFilter(Filter):
    """Removes DROPPED_WITH_CONTENT elements and all they contain."""

    def __iter__(self):
        depth = 0
        for token in super().__iter__():
            kind = token["type"]
            name = token.get("name")
            if name in DROPPED_WITH_CONTENT:
                if kind == "StartTag":
                    depth += 1
                elif kind == "EndTag":
                    depth = max(depth - 1, 0)
                continue
            if depth == 0:
                yield token


class _HeadingFilter(Filter):
    """The page's title is its only h1, so a body's h1 becomes an h2."""

    def __iter__(self):
        for token in super().__iter__():
            if token.get("name") == "h1" and token["type"] in ("StartTag", "EndTag"):
                token = {**token, "name": "h2"}
            yield token


class _LinkRelFilter(Filter):
    """Every kept link says it is not endorsed and cannot reach window.opener."""

    def __iter__(self):
        for token in super().__iter__():
            if token["type"] == "StartTag" and token["name"] == "a":
                attrs = {k: v for k, v in token["data"].items() if k != (None, "rel")}
                attrs[(None, "rel")] = LINK_REL
                token = {**token, "data": attrs}
            yield token


# A Cleaner's parser keeps state while it works, and gunicorn's threads
# sanitize at the same time (two editors saving): one Cleaner a thread.
_threads = threading.local()


def _cleaner() -> Cleaner:
    cleaner = getattr(_threads, "cleaner", None)
    if cleaner is None:
        cleaner = _threads.cleaner = Cleaner(
            # The extra tags are let through the sanitizer only for the filters
            # to find: h1 is renamed and the dropped elements removed with their
            # content.
            tags=ALLOWED_TAGS | {"h1"} | DROPPED_WITH_CONTENT,
            attributes=ALLOWED_ATTRIBUTES,
            protocols=ALLOWED_PROTOCOLS,
            strip=True,
            strip_comments=True,
            filters=[_DropContentFilter, _HeadingFilter, _LinkRelFilter],
        )
    return cleaner


# What no stored text may hold: control characters other than tab and line
# breaks, lone surrogates and noncharacters. PostgreSQL refuses NUL, and XML 1.0
# (the feeds) refuses the rest; none of them is text a reader could see.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def strip_control_characters(text: str) -> str:
    return CONTROL_CHARACTERS.sub("", text)


# A save sanitizes the same body more than once (the instance, then the value
# written); the cache makes the repeats free. The function is pure.
@functools.lru_cache(maxsize=64)
def sanitize_html(html: str) -> str:
    """Return `html` reduced to the allowlist above, safe to render as is."""
    if not html:
        return ""
    return _cleaner().clean(strip_control_characters(html)).strip()


# Where one block of text ends and the next begins, for plain text.
_BLOCK_TAGS = frozenset(
    {"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dt", "dd", "blockquote",
     "figcaption", "caption", "tr", "pre", "table", "ul", "ol", "dl", "figure"}
)  # fmt: skip
# Table cells sit side by side on their row's line, a space apart: markup
# with no whitespace between cells must not run "1", "Kyle Busch" and "5040"
# into one word.
_CELL_TAGS = frozenset({"td", "th"})
_WHITESPACE = re.compile(r"\s+")


class _TextCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.preformatted = 0

    def handle_starttag(self, tag, attrs):
        if tag in DROPPED_WITH_CONTENT:
            self.skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
        elif tag in _CELL_TAGS:
            self.parts.append(" ")
        if tag == "pre":
            self.preformatted += 1

    def handle_endtag(self, tag):
        if tag in DROPPED_WITH_CONTENT:
            self.skipping = max(self.skipping - 1, 0)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
        elif tag in _CELL_TAGS:
            self.parts.append(" ")
        if tag == "pre":
            self.preformatted = max(self.preformatted - 1, 0)

    def handle_data(self, data):
        if self.skipping:
            return
        # In HTML a line break in text is a space like any other; only
        # blocks (and <pre>) break lines.
        self.parts.append(data if self.preformatted else _WHITESPACE.sub(" ", data))


def html_to_text(html: str) -> str:
    """The readable text of `html`, one line per block, for search and snippets."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    lines = (" ".join(line.split()) for line in "".join(collector.parts).splitlines())
    return "\n".join(line for line in lines if line)
