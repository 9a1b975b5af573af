"""The article inside a page: its text and what is known about it.

HTML goes through trafilatura, which keeps the main text with its
paragraphs, headings, lists, quotes and links and drops navigation, related
posts, cookie notices, share buttons and comments. Text copied from a
browser has no markup to go by, so `text_extract` reads it as an editor
would: the headline near the top, a byline and a date under it, the story
in full paragraphs, and the site's boilerplate after it, which is cut.

Nothing here touches the network or the database. Every HTML result has
passed `sanitize_html`; every plain-text field `plain_text`.
"""

import datetime
import html as html_lib
import re
import unicodedata
from dataclasses import dataclass, field

import justext
from django.conf.locale import LANG_INFO
from django.utils import timezone
from lxml import etree
from lxml import html as lxml_html
from trafilatura import bare_extraction
from trafilatura.htmlprocessing import convert_to_html
from trafilatura.settings import set_date_params
from trafilatura.utils import load_html

from articles.sanitize import sanitize_html

from .body import body_repair, page_prepare, word_count
from .dates import (
    DATE_IN_LINE,
    EARLIEST,
    FUTURE_TOLERANCE,
    date_checked,
    date_read,
    page_date,
)

TITLE_MAX = 300
# Fewer words than this is a menu or a login wall, not an article.
MIN_WORDS = 20
BYLINE_MAX = 300

CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u2028\u2029\ufeff]")
HTML_SNIFF = re.compile(
    r"<(?:!doctype\s+html|html|head|body|article|main|div|p|br|h[1-6]|meta|title)[\s>/]", re.I
)
HTML_LANG = re.compile(
    r"""<html[^>]{0,500}?\blang\s*=\s*["']?([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)?""", re.I
)
# Wire services whose name in a byline marks a wire story.
WIRE_NAMES = (
    "The Canadian Press", "Canadian Press", "The Associated Press", "Associated Press",
    "Reuters", "Agence France-Presse", "AFP", "Bloomberg", "La Presse Canadienne",
)  # fmt: skip

# Lines that are the site talking, not the story. TERMINAL ones end the
# story; JUNK ones are dropped wherever they are; AMBIGUOUS ones end it when
# what follows looks like a list of other stories, and are dropped otherwise.
TERMINAL = re.compile(
    r"""^(?:about\s+(?:the\s+)?(?:author|admin|[\w.'-]+(?:\s+[\w.'-]+){0,2})
      | recent\s+(?:posts|articles|stories)
      | more\s+(?:\S+\s+){0,3}(?:articles|stories|news|headlines)
      | (?:leave|post|add)\s+a\s+(?:reply|comment).*
      | \d+\s+comments?|comments?|show\s+comments|join\s+the\s+conversation
      | (?:you\s+(?:may|might)\s+also\s+(?:like|enjoy)|recommended(?:\s+for\s+you)?)
      | (?:most\s+(?:read|popular|viewed)|trending(?:\s+now)?|popular\s+(?:now|stories))
      | (?:tags|filed\s+under|categories|topics)\s*:.*
      | (?:©|\(c\)|copyright\b).*|all\s+rights\s+reserved.*
      | (?:sign\s+up|subscribe)\b.*newsletter.*|share\s+this\s+(?:article|story|post):?
    )$""",
    re.I | re.X,
)
JUNK = re.compile(
    r"""^(?:advertisement|advt|ad|sponsored(?:\s+content)?|read\s+more|continue\s+reading
      | (?:also\s+read|read\s+also|see\s+also)\b.{0,150}
      | (?:this\s+(?:web)?site|we)\s+uses?\s+cookies.*|accept(?:\s+all)?(?:\s+cookies)?
      | share(?:\s+on\s+\w+)?|tweet|email|print|facebook|twitter|linkedin|whatsapp
      | click\s+to\s+share.*|(?:photo|image|video)\s*:.{0,200}
    )$""",
    re.I | re.X,
)
AMBIGUOUS = re.compile(r"^(?:related(?:\s+(?:posts|articles|stories|coverage|content))?)$", re.I)
SENTENCE_END = re.compile(r"""[.!?…]["'”’»)]*$""")
# Where a page's title joins the headline to the site's name or section.
TITLE_PARTS = re.compile(r"\s[|–—]\s|\s-\s")
ADDRESS_LINE = re.compile(r"^https?://\S+$")


class ExtractError(Exception):
    """No article could be found, with a message an editor can act on."""


@dataclass
class Extracted:
    title: str
    body_html: str
    text: str
    byline: str = ""
    published_at: datetime.datetime | None = None
    site_name: str = ""
    language: str = ""
    url: str = ""
    notes: list[str] = field(default_factory=list)
    # Why the date is empty, when it is.
    date_note: str = ""


def plain_text(value: str | None, *, max_length: int | None = None) -> str:
    """`value` as one clean line: no NUL or control characters (PostgreSQL
    refuses NUL), whitespace collapsed, cut to `max_length` on a word."""
    if not value:
        return ""
    value = unicodedata.normalize("NFC", CONTROL_CHARS.sub(" ", str(value)))
    value = " ".join(value.split())
    if max_length and len(value) > max_length:
        value = value[: max_length - 1].rsplit(" ", 1)[0].rstrip(",;:-") + "…"
    return value


def looks_like_html(content: str) -> bool:
    return bool(HTML_SNIFF.search(content[:5000]))


def content_extract(*, content: str, url: str = "", content_type: str = "") -> Extracted:
    """The article in `content`, read as HTML or as plain text as it looks."""
    if content_type == "text/plain" or (not content_type and not looks_like_html(content)):
        return text_extract(text=content)
    return page_extract(html=content, url=url)


def _language(code: str, text: str) -> str:
    code = (code or "").lower()
    if code in LANG_INFO:
        return code
    return language_guess(text)


def language_guess(text: str) -> str:
    """English or French, whichever's common words the text uses more; "" if neither."""
    words = re.findall(r"[\w'’]+", text[:5000].lower())
    if len(words) < 20:
        return ""
    scores = {
        code: sum(word in _stoplist(name) for word in words) / len(words)
        for code, name in (("en", "English"), ("fr", "French"))
    }
    best = max(scores, key=scores.get)
    return best if scores[best] > 0.2 else ""


_STOPLISTS: dict[str, frozenset[str]] = {}


def _stoplist(name: str) -> frozenset[str]:
    if name not in _STOPLISTS:
        _STOPLISTS[name] = frozenset(justext.get_stoplist(name))
    return _STOPLISTS[name]


def _block_text(element) -> str:
    return " ".join(" ".join(element.itertext()).split())


def html_text(fragment: str) -> str:
    """The words of an HTML fragment, one line per top-level block."""
    if not fragment:
        return ""
    root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    lines = [root.text or ""] + [_block_text(child) + " " + (child.tail or "") for child in root]
    return "\n".join(" ".join(line.split()) for line in lines if line.strip())


def _header_lines_drop(body, *, title: str) -> None:
    """The page's header at the top of a body, which the article shows
    apart: a copy of the headline (perhaps without the site's "Opinion |"),
    the page's address, a byline or date line ("Par Sophie Tremblay — 25
    janvier 2024")."""
    headlines = {
        part.strip().casefold() for part in (title, *TITLE_PARTS.split(title)) if part.strip()
    }
    for index, block in enumerate(list(body)[:3]):
        line = plain_text(_block_text(block))
        if index == 0 and block.tag in ("h1", "h2", "h3") and line.casefold() == title.casefold():
            body.remove(block)  # with the dateline that may trail it
            continue
        if (block.tail or "").strip() or not line:
            return
        copy = line.casefold() in headlines and len(line.split()) >= 3
        header = len(line.split()) <= 15 and (_byline_in(line) or _is_date_only(line))
        if not (copy or ADDRESS_LINE.match(line) or header):
            return
        body.remove(block)


def page_extract(*, html: str, url: str = "") -> Extracted:
    """The article in an HTML page. Raises ExtractError when there is none."""
    html = html.replace("\x00", "")
    if not html.strip():
        raise ExtractError("The page is empty.")
    date_params = {
        **set_date_params(True),
        "outputformat": "%Y-%m-%dT%H:%M:%S%z",
        "min_date": EARLIEST.strftime("%Y-%m-%d"),
        "max_date": (timezone.now() + FUTURE_TOLERANCE).strftime("%Y-%m-%d"),
    }
    try:
        tree = load_html(html)
        if tree is not None:
            page_prepare(tree)
        document = bare_extraction(
            html if tree is None else tree,
            url=url or None,
            with_metadata=True,
            include_comments=False,
            include_formatting=True,
            include_links=True,
            include_tables=True,
            include_images=False,
            date_extraction_params=date_params,
        )
    except (ValueError, TypeError, etree.LxmlError, RecursionError) as error:
        raise ExtractError(f"The page could not be read as HTML ({error}).") from error
    if document is None or document.body is None or not _block_text(document.body):
        if not looks_like_html(html):
            return text_extract(text=html)
        raise ExtractError(
            "Newsroom found no article text on the page. If a browser shows the text, "
            "copy it and paste it on the Import page."
        )
    notes: list[str] = []
    title = plain_text(document.title, max_length=TITLE_MAX)
    body = convert_to_html(document.body)[0]
    _header_lines_drop(body, title=title)
    body_repair(body, page=html)
    body_html = sanitize_html(etree.tostring(body, encoding="unicode", method="html"))
    text = html_text(body_html)
    words = word_count(text)
    if words < MIN_WORDS:
        raise ExtractError(
            f"Newsroom found no article text on the page ({words} words only): it may need "
            "a login, or show its text with scripts. Copy the text from a browser and paste it."
        )
    if not title:
        title = plain_text(" ".join(text.split()[:12]), max_length=TITLE_MAX) + "…"
        notes.append("The page has no headline; its first words stand in for one.")
    date, date_note = page_date(html, document.date, url=url)
    lang = HTML_LANG.search(html[:20000])
    return Extracted(
        title=title,
        body_html=body_html,
        text=text,
        byline=plain_text(document.author, max_length=BYLINE_MAX),
        published_at=date,
        date_note=date_note,
        site_name=plain_text(document.sitename, max_length=200),
        language=_language(lang.group(1) if lang else "", text),
        url=document.url or "",
        notes=notes,
    )


# --- Plain text ----------------------------------------------------------------


def _is_prose(line: str) -> bool:
    words = len(line.split())
    return words >= 25 or (words >= 10 and bool(SENTENCE_END.search(line)))


def _is_date_only(line: str) -> bool:
    match = DATE_IN_LINE.search(line)
    return bool(match) and len(line) - len(match.group(0)) < 5


def _is_teaser(line: str) -> bool:
    return line.endswith(("…", "...")) and not line.endswith(("....", "....."))


def _wire_comma(byline: str) -> str:
    """ "Darpan News Desk The Canadian Press" -> "Darpan News Desk, The Canadian Press"."""
    for name in WIRE_NAMES:
        index = byline.find(name)
        if index > 0 and byline[index - 1] == " " and byline[index - 2] not in ",/;":
            return f"{byline[: index - 1]}, {byline[index:]}"
        if index >= 0:
            return byline
    return byline


def _byline_in(line: str) -> str:
    """The byline in a header line, or "" when the line is not one."""
    date = DATE_IN_LINE.search(line)
    rest = (line[: date.start()] + line[date.end() :]) if date else line
    rest = plain_text(rest.strip(" ,|·•-–—"))
    if not rest or len(rest.split()) > 12:
        return ""
    by = re.match(r"^(?:by|par)\s+(.+)$", rest, re.I)
    if by:
        return _wire_comma(by.group(1).strip(" ,"))
    if any(name.lower() in rest.lower() for name in WIRE_NAMES) or re.search(
        r"\b(?:news\s+desk|staff|correspondent|reporter)\b", rest, re.I
    ):
        return _wire_comma(rest)
    return ""


def _story_end(lines: list[str], start: int) -> list[str]:
    """The story's lines from `start` until the site's own text begins."""
    story = []
    for index in range(start, len(lines)):
        line = lines[index]
        if TERMINAL.match(line):
            break
        if JUNK.match(line):
            continue
        if AMBIGUOUS.match(line):
            following = [ln for ln in lines[index + 1 : index + 4] if not JUNK.match(ln)]
            if following and _is_prose(following[0]) and not any(map(_is_teaser, following)):
                continue  # a related-posts box inside the story: drop its heading
            break
        story.append(line)
    # Short lines after the last paragraph are the site's, not the story's.
    while story and not _is_prose(story[-1]) and not SENTENCE_END.search(story[-1]):
        story.pop()
    return story


def text_extract(*, text: str) -> Extracted:
    """The article in text copied from a page. Raises ExtractError when there is none."""
    text = CONTROL_CHARS.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [" ".join(line.replace("\u00a0", " ").split()) for line in text.split("\n")]
    lines = [
        line.lstrip("•·▪◦*- ").strip() if line.startswith(("•", "·", "▪", "◦")) else line
        for line in lines
    ]
    lines = [line for line in lines if line]
    if not lines:
        raise ExtractError("The text is empty.")
    body_start = next((i for i, line in enumerate(lines) if _is_prose(line)), None)
    if body_start is None:
        raise ExtractError(
            "Newsroom found no paragraphs of story in the text. Paste the whole article, "
            "headline and text."
        )
    header = lines[:body_start]
    title_index = next(
        (
            i
            for i, line in enumerate(header)
            if 3 <= len(line.split()) <= 30
            and not _is_date_only(line)
            and not (TERMINAL.match(line) or JUNK.match(line))
            and not _byline_in(line)
        ),
        None,
    )
    notes: list[str] = []
    if title_index is None:
        title = plain_text(" ".join(lines[body_start].split()[:12]), max_length=TITLE_MAX) + "…"
        notes.append("No headline was found above the text; its first words stand in for one.")
        after_title = header
    else:
        title = plain_text(header[title_index], max_length=TITLE_MAX)
        after_title = header[title_index + 1 :]
    story = [
        line
        for line in _story_end(lines, body_start)
        if line.casefold() != title.casefold()  # a photo caption repeating the headline
    ]
    byline = next(filter(None, map(_byline_in, after_title)), "")
    if not byline:
        # A WordPress author box after the story: "About admin".
        for line in lines[body_start + len(story) :]:
            if match := re.match(r"^about\s+([\w.'-]+(?:\s+[\w.'-]+){0,2})$", line, re.I):
                if match.group(1).lower() not in ("us", "the author", "this site"):
                    byline = match.group(1)
                break
    # The publication date sits under the headline; a date above it is
    # usually the site's banner showing today's date.
    # The first date found decides: an impossible one is not replaced by the banner's.
    dates = (
        match[0]
        for line in [*after_title, *(header[:title_index] if title_index else [])]
        if (match := DATE_IN_LINE.search(line))
    )
    given = next(dates, "")
    date, date_note = date_checked(date_read(given), given=given, where="text")
    body_text = "\n".join(story)
    return Extracted(
        title=title,
        body_html=sanitize_html(
            "".join(f"<p>{html_lib.escape(line, quote=False)}</p>" for line in story)
        ),
        text=body_text,
        byline=plain_text(byline, max_length=BYLINE_MAX),
        published_at=date,
        date_note=date_note,
        language=language_guess(body_text),
        notes=notes,
    )
