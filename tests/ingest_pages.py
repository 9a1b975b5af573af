"""Pages and feeds built for the import tests: distinct made-up stories, so
the same-story check never joins two of them, in a page or a feed entry."""

import html
import random

FEED_TYPE = {"Content-Type": "application/rss+xml; charset=utf-8"}
WORDS = (
    "border", "officers", "asylum", "claimants", "crossing", "minister", "committee",
    "province", "shelter", "families", "review", "agency", "report", "winter", "ferry",
    "treaty", "caucus", "lawyers", "court", "hearing", "permits", "workers", "farm",
    "season", "arrivals", "numbers", "ottawa", "quebec", "ontario", "manitoba", "refugee",
    "policy", "change", "saturday", "officials", "said", "rules", "federal", "government",
)  # fmt: skip


def prose(seed: int, words: int = 180) -> str:
    """Paragraphs of made-up story, different for each seed."""
    rng = random.Random(seed)
    sentences = [" ".join(rng.choices(WORDS, k=12)).capitalize() + "." for _ in range(words // 12)]
    return "".join(f"<p>{' '.join(sentences[i : i + 3])}</p>" for i in range(0, len(sentences), 3))


def page(
    *,
    title: str = "A border story for the import tests",
    head: str = "",
    top: str = "",
    seed: int = 1,
) -> str:
    """An article page with `head` in its <head> and `top` above its text."""
    return (
        f"<!doctype html><html lang='en'><head><title>{html.escape(title)}</title>{head}</head>"
        f"<body><article><h1>{html.escape(title)}</h1>{top}{prose(seed)}</article></body></html>"
    )


def rss(*items: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Ledger</title><link>https://ledger.example/</link>{''.join(items)}"
        "</channel></rss>"
    )


def item(
    title: str,
    *,
    link: str = "",
    date: str = "",
    seed: int = 1,
    guid: str = "",
    text: str | None = None,
) -> str:
    """A feed entry; with the default text, a whole article (no page is fetched)."""
    body = prose(seed) if text is None else text
    return (
        f"<item><title>{html.escape(title)}</title>"
        + (f"<link>{html.escape(link)}</link>" if link else "")
        + (f"<guid>{html.escape(guid)}</guid>" if guid else "")
        + (f"<pubDate>{html.escape(date)}</pubDate>" if date else "")
        + f"<description>{html.escape(body)}</description></item>"
    )
