"""RSS and Atom feeds of any view of the coverage: the same query string as `/`."""

from django.contrib.syndication.views import Feed
from django.http import HttpResponseBadRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from .filters import ORDERINGS, filter_errors, public_filterset
from .models import Article

FEED_SIZE = 50


class ArticleFeed(Feed):
    description = "Border and migration coverage, curated by the Newsroom desk."

    def __call__(self, request, *args, **kwargs):
        filterset = public_filterset(request.GET)
        if filterset.is_bound and not filterset.is_valid():
            return HttpResponseBadRequest(
                "This feed's filters could not be applied:\n" + filter_errors(filterset),
                content_type="text/plain; charset=utf-8",
            )
        return super().__call__(request, *args, **kwargs)

    def get_object(self, request, *args, **kwargs):
        # The feed instance is shared by every request: state lives in the object.
        return public_filterset(request.GET)

    def title(self, filterset):
        values = [active["value"] for active in filterset.active_filters()]
        return "Newsroom: " + (", ".join(values) if values else "border and migration coverage")

    def link(self, filterset):
        query = filterset.data.urlencode() if filterset.is_bound else ""
        return reverse("articles:article_list") + (f"?{query}" if query else "")

    def items(self, filterset):
        # A feed is newest first whatever the page's order: readers poll for news.
        ids = filterset.qs.order_by(*ORDERINGS["newest"]).values_list("pk", flat=True)
        return Article.objects.published().for_cards().in_order_of(list(ids[:FEED_SIZE]))

    def item_title(self, article):
        return article.title

    def item_description(self, article):
        # Plain text: each feed type below sends it as such in its own way.
        return article.summary

    def item_link(self, article):
        return article.get_absolute_url()

    def item_pubdate(self, article):
        return article.published_at or article.created_at

    def item_updateddate(self, article):
        return article.updated_at

    def item_author_name(self, article):
        return article.byline or article.source.name

    def item_categories(self, article):
        return [tag.name for tag in article.tags.all()]


class ArticleRSSFeed(ArticleFeed):
    def item_description(self, article):
        # Readers take an RSS description for HTML: escaped, a summary that
        # mentions <b> or <script> shows as written and runs nothing.
        return escape(super().item_description(article))


class PlainSummaryAtom1Feed(Atom1Feed):
    """Atom whose entries' summaries are plain text (type="text"), not HTML."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, {**item, "description": None})
        if item["description"] is not None:
            handler.addQuickElement("summary", item["description"], {"type": "text"})


class ArticleAtomFeed(ArticleFeed):
    feed_type = PlainSummaryAtom1Feed
    subtitle = ArticleFeed.description
