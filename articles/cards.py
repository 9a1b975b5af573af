"""The cards of a list page, each drawn once for the data version.

A list page shows twenty cards. Drawn afresh, they cost two queries (the
articles, then their tags) and most of the page's rendering; kept for the data
version, a page that has them all needs neither. The key holds the search
text, as a card found by a search shows the passage that matched.
"""

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from .caching import version_key, versioned
from .models import Article
from .search import with_snippets

TEMPLATE = "articles/includes/article_card.html"


def cards_html(ids: list[int], *, text: str = "") -> list[SafeString]:
    """The HTML card of each published article of `ids`, in their order."""
    keys = {pk: version_key("card", f"{pk}\x1f{text}") for pk in ids}
    ttl = next(iter(keys.values()))[1] if keys else 0
    kept = versioned.get_many([key for key, _ in keys.values()]) if ttl else {}
    cards = {pk: kept[key] for pk, (key, _) in keys.items() if key in kept}
    missing = [pk for pk in ids if pk not in cards]
    if missing:
        articles = Article.objects.published().for_cards()
        if text:
            articles = with_snippets(articles, text)
        # The snippet is given even when there is none: a name the template
        # looks up on the article and does not find costs more than drawing it.
        drawn = {
            article.pk: render_to_string(
                TEMPLATE, {"article": article, "snippet": getattr(article, "snippet", "")}
            )
            for article in articles.in_order_of(missing)
        }
        if ttl:
            versioned.set_many({keys[pk][0]: html for pk, html in drawn.items()}, ttl)
        cards.update(drawn)
    return [SafeString(cards[pk]) for pk in ids if pk in cards]
