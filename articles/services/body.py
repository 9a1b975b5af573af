"""The body trafilatura finds in a page, prepared for and repaired.

trafilatura finds the article well, but what it returns with formatting and
links kept has faults a reader sees, which this module mends around it:

- Before it reads the page, `page_prepare` drops what the page hides
  (microdata in a display:none div, templates, the card a site shows over
  a person's name), joins an article body split around advertisements
  (trafilatura read its first part only) and puts text lying loose outside
  any paragraph into paragraphs: trafilatura cut such text before each
  link or emphasis and ran the rest together ("MacBook Pro</a>was").
- After it, `body_repair` puts back the spaces still lost at inline
  elements, where the page has them, and drops the boxes of links to other
  stories a site puts in or under an article (`boxes.py`).

`word_count` tells an article from a menu in any script.
"""

import html as html_lib
import math
import re

import regex
from lxml import etree
from lxml.html import HtmlElement

from .boxes import boxes_drop, remove_keeping_tail

# What a page hides: a template, an element marked hidden or styled out of
# sight. Its text is metadata for machines (schema.org microdata), a form
# or a dialog for later, never what a reader sees of the article.
HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
# The class of the container a site puts its article's text in.
ARTICLE_BODY_CLASS = re.compile(r"(?:article|story|post|entry)[-_]*(?:body|content|text)\b", re.I)
# Where trafilatura mishandles text that is not in a paragraph; a span
# qualifies when it holds blocks, as some sites' article bodies do. (Loose
# text in a div it reads well, and wrapping it lets boilerplate in.)
LOOSE_TEXT_CONTAINERS = ("section", "article", "main", "body", "span")
BLOCK_TAGS = frozenset(
    {"div", "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "table", "blockquote",
     "figure", "section", "article", "aside", "header", "footer", "nav", "form", "pre", "hr"}
)  # fmt: skip
# Elements inside a line of text: crossing one is not a line break.
INLINE_TAGS = frozenset(
    {"a", "b", "strong", "i", "em", "u", "s", "del", "sub", "sup", "mark", "code", "span",
     "small", "q", "abbr", "cite", "time"}
)  # fmt: skip
LOOSE_INLINE_TAGS = INLINE_TAGS | {
    "font", "label", "tt", "big", "bdi", "bdo", "kbd", "var", "dfn", "img", "wbr", "ins"
}  # fmt: skip
TAGS = re.compile(r"<(?:script|style)\b.*?</(?:script|style)\s*>|<[^>]*>", re.I | re.S)
SPACE = re.compile(r"\s+")
# How much text on each side of a join is compared with the page.
CONTEXT = 40

# Chinese and Japanese are written without spaces between words, and Thai,
# Lao, Khmer and Burmese too: their words are counted from their characters,
# at a typical word's length, rounded up (about two characters for Han and
# kana, four for the Southeast Asian scripts). Other scripts count by runs
# of letters.
_HAN_KANA = r"\p{Han}\p{Hiragana}\p{Katakana}"
_SOUTHEAST_ASIAN = r"\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}"
UNSPACED_SCRIPTS = (
    (regex.compile(f"[{_HAN_KANA}]"), 2),
    (regex.compile(f"[{_SOUTHEAST_ASIAN}]"), 4),
)
SPACED_WORD = regex.compile(rf"(?:(?![{_HAN_KANA}{_SOUTHEAST_ASIAN}])\w)+(?:['’]\w+)*")


def word_count(text: str) -> int:
    """About how many words `text` has, in any script: a complete Japanese or
    Chinese article is not a menu because it has few spaces."""
    unspaced = sum(len(script.findall(text)) / length for script, length in UNSPACED_SCRIPTS)
    return len(SPACED_WORD.findall(text)) + math.ceil(unspaced)


def page_prepare(tree: HtmlElement) -> None:
    """Ready a parsed page for trafilatura: without what it hides, and with
    its loose text in paragraphs."""
    _hidden_drop(tree)
    _hover_cards_drop(tree)
    _split_bodies_join(tree)
    loose_text_wrap(tree)


# Paragraphs from which a hidden element is taken for the folded rest of a story.
STORY_PARAGRAPHS = 2


def _hidden_drop(tree: HtmlElement) -> None:
    hidden = [
        element
        for element in tree.xpath("//template | //*[@hidden] | //*[@style]")
        if element.tag == "template"
        or (
            element.tag not in ("html", "body")
            and (element.get("hidden") is not None or HIDDEN_STYLE.search(element.get("style", "")))
            # The rest of a story a site folds behind "Read more" is the story.
            and len(element.findall(".//p")) < STORY_PARAGRAPHS
        )
    ]
    for element in hidden:
        element.drop_tree()


def _hover_cards_drop(tree: HtmlElement) -> None:
    """Drop the cards a site shows when the pointer is on a name: a span in
    the middle of a sentence, after the name's link, holding a photo and
    links to the person's page and latest stories. Read as text they run
    into the sentence ("Rep. Ilhan OmarIlhan OmarHillicon Valley: …")."""
    # Walked in Python: the XPath of the same (`//p//span[...]`) took seconds
    # on a page of a megabyte, growing with the square of its size.
    for card in list(tree.iter("span")):
        previous = card.getprevious()
        if (
            previous is not None
            and previous.tag == "a"
            and card.getparent() is not None
            and any(ancestor.tag == "p" for ancestor in card.iterancestors())
            and card.find(".//img") is not None
            and len(card.findall(".//a")) >= 2
        ):
            remove_keeping_tail(card)


def _split_bodies_join(tree: HtmlElement) -> None:
    """Join an article body a site splits into several containers of one
    class, with advertisements between them: trafilatura reads the first
    only, and stopped a long story after a few paragraphs (the containers
    sit each in its own row of the page's grid). A container holding text
    of its own, or inside another, is left as it is."""
    groups: dict[tuple[str, str], list[HtmlElement]] = {}
    for element in tree.xpath("//div[@class] | //section[@class] | //article[@class]"):
        if ARTICLE_BODY_CLASS.search(element.get("class", "")):
            groups.setdefault((element.tag, element.get("class")), []).append(element)
    for first, *others in groups.values():
        for other in others:
            ancestors = set(other.iterancestors())
            if (
                (other.text or "").strip()
                or other.getparent() is first.getparent()  # read together already
                or first in ancestors
                or other in first.iterancestors()
                or not ancestors.isdisjoint(others)
            ):
                continue
            first.extend(list(other))
            remove_keeping_tail(other)


def loose_text_wrap(tree: HtmlElement) -> None:
    """Put the text that sits loose in a section, article, main or body (or
    in a span holding blocks) into paragraphs, as a browser shows it: a run
    of text and inline elements ends at a block or at two line breaks."""
    for container in list(tree.iter(*LOOSE_TEXT_CONTAINERS)):
        children = list(container)
        loose = (container.text or "").strip() or any((c.tail or "").strip() for c in children)
        if not loose or (
            container.tag == "span" and not any(c.tag in BLOCK_TAGS for c in children)
        ):
            continue
        _paragraphs_make(container, children)


def _paragraphs_make(container, children) -> None:
    text, container.text = container.text, None
    for child in children:
        container.remove(child)
    paragraph = None

    def add_text(value):
        nonlocal paragraph
        if not value:
            return
        if paragraph is None:
            if not value.strip():  # whitespace between blocks stays where it was
                last = container[-1] if len(container) else None
                if last is None:
                    container.text = (container.text or "") + value
                else:
                    last.tail = (last.tail or "") + value
                return
            paragraph = etree.SubElement(container, "p")
        if len(paragraph):
            paragraph[-1].tail = (paragraph[-1].tail or "") + value
        else:
            paragraph.text = (paragraph.text or "") + value

    add_text(text)
    for index, child in enumerate(children):
        tail, child.tail = child.tail, None
        following = children[index + 1] if index + 1 < len(children) else None
        if child.tag == "br":
            # Two line breaks end a paragraph; one is kept inside it.
            if paragraph is not None and not (
                following is not None and following.tag == "br" and not (tail or "").strip()
            ):
                paragraph.append(child)
            else:
                paragraph = None
        elif child.tag in LOOSE_INLINE_TAGS:
            if paragraph is None:
                paragraph = etree.SubElement(container, "p")
            paragraph.append(child)
        else:  # a block, or anything else: a script, a frame, a comment
            paragraph = None
            container.append(child)
        add_text(tail)


def body_repair(body: etree._Element, *, page: str) -> None:
    """Mend, in place, the body trafilatura extracted (as HTML) from `page`."""
    _spaces_restore(body, page)
    boxes_drop(body)


def _collapsed(text: str) -> str:
    return SPACE.sub(" ", text.replace("\u00a0", " "))


def _page_text(page: str) -> str:
    """The page's text as a browser joins it: tags gone, whitespace collapsed,
    and no space where the markup has none ("Hyper<b>link</b>ed")."""
    return _collapsed(html_lib.unescape(TAGS.sub("", page)))


def _text_slots(element, block):
    """(element, "text" or "tail", block) for each piece of text in document
    order, with the block (paragraph, heading, cell) it belongs to."""
    own_block = block if element.tag in INLINE_TAGS else element
    yield element, "text", own_block
    for child in element:
        if isinstance(child.tag, str):
            yield from _text_slots(child, own_block)
        yield child, "tail", own_block


# How far past the last join the next is looked for in the page's text.
JOIN_WINDOW = 4096


def _spaces_restore(body, page: str) -> None:
    """Put back the space between two pieces of one line that the page has
    between them and the extraction lost: "reliability</a>is" becomes
    "reliability</a> is" when the page reads "reliability is"."""
    previous = page_text = None
    # Where the last join was found: the joins come in the page's order, so
    # each is looked for in a window after the last, not in the whole page
    # (which grew with the square of its size).
    at = 0
    for element, slot, block in _text_slots(body, body):
        value = getattr(element, slot)
        if not value:
            continue
        if previous is not None and previous[1] is block:
            left = previous[0]
            if not left[-1].isspace() and not value[0].isspace():
                before = _collapsed(left)[-CONTEXT:].lstrip()
                after = _collapsed(value)[:CONTEXT].rstrip()
                if page_text is None:  # most bodies have no join to check
                    page_text = _page_text(page)
                window = page_text[at : at + JOIN_WINDOW]
                found = window.find(f"{before} {after}")
                if found >= 0 and f"{before}{after}" not in window:
                    setattr(element, slot, " " + value)
                    value = " " + value
                    at += found
        previous = (value, block)
