"""The cards of a list page, read as plain values and each drawn once for the
data version.

A list page shows twenty cards. Read as model instances (an article, its
outlet, wire service and tags: some 115 objects) and drawn with the template's
date and truncation filters, they cost most of a list's time; read as values
in two queries, with what the card prints made here, they cost a fraction.
Kept for the data version, a page that has them all needs no query at all.
The key holds the search text, as a card found by a search shows the passage
that matched.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Value
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.safestring import SafeString
from django.utils.text import Truncator

from .caching import version_key, versioned
from .models import Article, page_url
from .search import highlight, with_snippets

TEMPLATE = "articles/includes/article_card.html"
SUMMARY_WORDS = 60


@dataclass(frozen=True)
class Card:
    """What a card prints of an article, all of it plain text but `snippet`."""

    url: str
    title: str
    source_url: str
    source_name: str
    wire_name: str
    # The time in the reader's zone, for <time datetime>, and the day to show.
    iso_time: str
    day: str
    summary: str
    snippet: SafeString
    tags: tuple[tuple[str, str], ...]  # (url, name), by name


def _when(published_at: datetime.datetime | None, months: list[str]) -> tuple[str, str]:
    """As the template's date filters "Y-m-d\\TH:i:sO" and "j M Y" have it."""
    if published_at is None:
        return "", ""
    local = timezone.localtime(published_at)
    day = f"{local.day} {months[local.month]} {local.year}"
    return local.strftime("%Y-%m-%dT%H:%M:%S%z"), day


def cards_of(ids: list[int], *, text: str = "") -> dict[int, Card]:
    """The cards of the published articles of `ids`, by id in their order: two queries."""
    if not ids:
        return {}
    articles = Article.objects.published().filter(pk__in=ids).order_by()
    articles = with_snippets(articles, text) if text else articles.annotate(snippet=Value(""))
    rows = {
        row[0]: row
        for row in articles.values_list(
            "pk",
            "slug",
            "title",
            "source__slug",
            "source__name",
            "wire_service__name",
            "published_at",
            "summary",
            "snippet",
        )
    }
    prefix = get_script_prefix()
    months = ["", *(str(MONTHS_3[month]).title() for month in range(1, 13))]
    tags = {pk: [] for pk in rows}
    links = Article.tags.through.objects.filter(article_id__in=list(rows)).order_by(
        "tag__name", "tag_id"
    )
    for article_id, slug, name in links.values_list("article_id", "tag__slug", "tag__name"):
        tags[article_id].append((page_url("articles:tag_detail", slug, prefix=prefix), name))
    cards = {}
    for pk in ids:
        if pk not in rows:
            continue
        _, slug, title, source_slug, source_name, wire_name, published_at, summary, snippet = rows[
            pk
        ]
        iso, day = _when(published_at, months)
        cards[pk] = Card(
            url=page_url("articles:article_detail", slug, prefix=prefix),
            title=title,
            source_url=page_url("articles:source_detail", source_slug, prefix=prefix),
            source_name=source_name,
            wire_name=wire_name or "",
            iso_time=iso,
            day=day,
            summary=Truncator(summary).words(SUMMARY_WORDS, truncate=" …"),
            snippet=highlight(snippet),
            tags=tuple(tags[pk]),
        )
    return cards


def cards_html(ids: list[int], *, text: str = "") -> list[SafeString]:
    """The HTML card of each published article of `ids`, in their order."""
    keys = {pk: version_key("card", f"{pk}\x1f{text}") for pk in ids}
    ttl = next(iter(keys.values()))[1] if keys else 0
    kept = versioned.get_many([key for key, _ in keys.values()]) if ttl else {}
    drawn = {pk: kept[key] for pk, (key, _) in keys.items() if key in kept}
    missing = [pk for pk in ids if pk not in drawn]
    if missing:
        made = {
            pk: render_to_string(TEMPLATE, {"card": card})
            for pk, card in cards_of(missing, text=text).items()
        }
        if ttl:
            versioned.set_many({keys[pk][0]: html for pk, html in made.items()}, ttl)
        drawn.update(made)
    return [SafeString(drawn[pk]) for pk in ids if pk in drawn]
