"""Boxes of links to other stories that a site puts in and under an
article, which trafilatura keeps as the article's text: "Explore further"
and a headline, "DON'T MISS" and headlines marked "[INSIGHT]", lists of
related stories or of teasers (a headline and its summary), tags, a box of
"Top stories" after the text; and, in the last lines, the site's calls to
follow or subscribe. `boxes_drop` takes them out of a body.
"""

import re

# Blocks that are only a link this short are a list of other stories.
LINK_LINE_MAX_WORDS = 16
# A line this short with no sentence in it, just above such links, is their label.
LABEL_MAX_WORDS = 4
# Where a teaser's summary sits beside its headline's link.
TEASER_SUMMARY_TAGS = ("p", "div", "h2", "h3", "h4", "h5", "h6")
LABEL_TAGS = frozenset({"p", "h2", "h3", "h4", "h5", "h6"})
SENTENCE_END = re.compile(r"""[.!?…:;]["'”’»)]*$""")
ADDRESS = re.compile(r"^(?:https?://|www\.)", re.I)
# What sites call their boxes of links to other pages; such a label goes
# alone, or with the link it introduces ("READ MORE: <a>…</a>").
LINK_LABEL = re.compile(
    r"""^(?:explore\s+further|read\s+(?:more|next|also)|also\s+read|see\s+also|further\s+reading
      | related(?:\s+\w+)?|more\s+on\s+this(?:\s+story)?|don[’']?t\s+miss|see\s+more
      | also\s+on\s+[\w.]+|tags?|topics|filed\s+under
    )\b\s*:?""",
    re.I | re.X,
)
# What may stand between links on a line of them: commas, bars, dots, and
# the mark of a site's section after a headline ("[INSIGHT]").
LINK_SEPARATORS = re.compile(r"[\s,;|·•/–—-]+|\[[A-Z]+\]")
# The heading of a site's box of other stories under an article.
STORIES_BOX = re.compile(
    r"""^(?:top\s+stories|most\s+(?:read|popular|viewed|shared)|trending(?:\s+now)?
      | (?:you\s+(?:may|might)\s+also\s+(?:like|enjoy)|recommended(?:\s+for\s+you)?)
      | more\s+(?:stories|news|top\s+stories)|popular\s+(?:now|stories)|latest\s+news
    )\s*:?$""",
    re.I | re.X,
)
# What a site asks of its reader under a story.
CLOSING_CALL = re.compile(
    r"""^(?:follow\s+(?:\S+\s+){0,3}on\s+(?:twitter|facebook|instagram|x)\b
      | (?:sign\s+up|subscribe)\b.*\bnewsletters?\b|get\s+the\s+latest\b.*\binbox\b
      | have\s+a\s+(?:news\s+)?tip\?|email\s+\w+(?:\s+\w+)?\s+at\s+\S+@
    )""",
    re.I | re.X,
)


def boxes_drop(body) -> None:
    """Drop, in place, the boxes of links to other stories in `body`."""
    _link_lines_drop(body)
    _closing_boxes_drop(body)
    _closing_calls_drop(body)


def _lines(block) -> list[tuple[str, list[str]]]:
    """The block's lines (split at line breaks), each as its text and the
    texts of its links."""
    lines = [("", [])]

    def add(text):
        if text:
            lines[-1] = (lines[-1][0] + text, lines[-1][1])

    def walk(element):
        if element.tag == "a":
            lines[-1][1].append(" ".join("".join(element.itertext()).split()))
            add("".join(element.itertext()))
            return
        add(element.text)
        for child in element:
            if child.tag == "br":
                lines.append(("", []))
            elif isinstance(child.tag, str):
                walk(child)
            add(child.tail)

    walk(block)
    return [(" ".join(text.split()), [link for link in links if link]) for text, links in lines]


def _link_line(text: str, links: list[str]) -> bool:
    """Whether a line is only links named like headlines: another story, a
    list of tags, perhaps under a label ("READ MORE:", "Tags") or with a
    section's mark after a headline ("[INSIGHT]")."""
    if label := LINK_LABEL.match(text):
        text = text[label.end() :].lstrip()
        if links and links[0].startswith(label.group(0)):  # the label is in the link
            links = [links[0][label.end() :].lstrip(), *links[1:]]
    outside = text
    for link in links:
        outside = outside.replace(link, " ", 1)
    return (
        bool(links)
        and not LINK_SEPARATORS.sub("", outside)
        and all(len(link.split()) <= LINK_LINE_MAX_WORDS for link in links)
        and not any(ADDRESS.match(link) for link in links)
    )


def _link_only(block) -> bool:
    """Whether `block` is nothing but links named like headlines, perhaps
    under a label; a link that shows its address is a reference the story
    gives, and stays."""
    lines = [line for line in _lines(block) if line[0]]
    links = [line for line in lines if not _is_link_label_text(line[0])]
    return bool(links) and all(_link_line(*line) for line in links)


def _link_list(block) -> bool:
    """A list whose every item is only a link, or a teaser (a headline's
    link and its summary in a block of its own): other stories."""
    items = [item for item in block if item.tag == "li"]
    return (
        bool(items)
        and len(items) == len(block)
        and all(_link_only(item) or _teaser(item) for item in items)
    )


def _teaser(item) -> bool:
    headline = next((text for a in item.iter("a") if (text := block_text(a))), "")
    summaries = [
        element for element in item.iter(*TEASER_SUMMARY_TAGS) if not len(element.xpath(".//a"))
    ]
    rest = block_text(item).removeprefix(headline).strip()
    return (
        bool(headline)
        and len(headline.split()) <= LINK_LINE_MAX_WORDS
        and bool(summaries)
        and rest == " ".join(block_text(element) for element in summaries)
    )


def _is_label(block) -> bool:
    text = " ".join("".join(block.itertext()).split())
    return 0 < len(text.split()) <= LABEL_MAX_WORDS and not SENTENCE_END.search(text)


def _is_link_label_text(text: str) -> bool:
    label = LINK_LABEL.match(text)
    return bool(label) and label.end() == len(text)


def _is_link_label(block) -> bool:
    return _is_link_label_text(" ".join("".join(block.itertext()).split()))


def _is_link_heading(block) -> bool:
    """A label with a headline after it, above a list of links: "Related:
    Possible water plumes on Europa"."""
    text = block_text(block)
    label = LINK_LABEL.match(text)
    return (
        bool(label)
        and label.group(0).rstrip().endswith(":")
        and len(text.split()) <= LINK_LINE_MAX_WORDS
    )


def _link_lines_drop(body) -> None:
    """Drop paragraphs and lists that are only links to other pages (a
    related story, "Unravelling the neural network of torpor"; a list of
    tags) and the short label just above them ("Explore further")."""
    dropped = [
        block
        for block in body
        if (block.tag == "p" and _link_only(block))
        or (block.tag in ("ul", "ol") and _link_list(block))
        or (block.tag in LABEL_TAGS and _is_link_label(block))
    ]
    labels = [
        label
        for block in dropped
        if (label := block.getprevious()) is not None
        and label.tag in LABEL_TAGS
        and label not in dropped
        and (_is_label(label) or _is_link_heading(label))
    ]
    for block in [*dropped, *labels]:
        remove_keeping_tail(block)


def block_text(block) -> str:
    return " ".join("".join(block.itertext()).split())


def _closing_boxes_drop(body) -> None:
    """Drop a box of other stories under the story, from its heading ("Top
    stories", "Most read") to the end, when the heading comes after most
    of the text."""
    for block in body.iter(*LABEL_TAGS, "strong", "b", "li", "td"):
        if block.tag in ("strong", "b") and block.getparent().tag in (*LABEL_TAGS, "li"):
            continue  # emphasis in a line: the line is what counts
        if not STORIES_BOX.match(block_text(block)):
            continue
        before = len(" ".join(block.xpath("preceding::text()")).split())
        if before < len(block_text(body).split()) / 2:
            continue
        if not _headlines(_after(block, body)):
            continue  # a subheading of the story ("Latest news" of it), not a box
        for element in (block, *block.iterancestors()):
            if element is body:
                break
            for following in list(element.itersiblings()):
                element.getparent().remove(following)
        block.getparent().remove(block)
        return


def _after(block, body) -> list:
    """The elements after `block` in `body`, to its end."""
    following = []
    for element in (block, *block.iterancestors()):
        if element is body:
            break
        following += element.itersiblings()
    return following


# The most words of a headline in a box of other stories.
HEADLINE_WORDS = 15


def _headlines(elements) -> bool:
    """Whether `elements` read as a box of other stories: each a headline or
    links, none a paragraph of prose."""
    for element in elements:
        words = len(block_text(element).split())
        linked = sum(len(block_text(link).split()) for link in element.iter("a"))
        if words > HEADLINE_WORDS and linked * 2 < words:
            return False
    return bool(elements)


# A call to follow or subscribe is a short line; a longer one is the story's
# ("Follow the money on X and you find …").
CALL_WORDS = 15


def _closing_calls_drop(body) -> None:
    """Drop the site's calls to follow or subscribe among the last lines:
    "Follow Newsbeat on Instagram", "Subscribe to our newsletters"."""
    for block in list(body)[-3:]:
        text = block_text(block)
        if block.tag in LABEL_TAGS and len(text.split()) <= CALL_WORDS and CLOSING_CALL.match(text):
            remove_keeping_tail(block)


def remove_keeping_tail(element) -> None:
    parent = element.getparent()
    if element.tail and element.tail.strip():
        previous = element.getprevious()
        if previous is None:
            parent.text = (parent.text or "") + element.tail
        else:
            previous.tail = (previous.tail or "") + element.tail
    parent.remove(element)
