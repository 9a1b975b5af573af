import logging
from datetime import UTC, datetime
from urllib.parse import urlencode

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Q
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import SafeString
from django.views.decorators.cache import never_cache
from django.views.decorators.http import condition, require_GET
from django.views.generic import DetailView, ListView
from django_filters.views import FilterView

from .caching import PARTIAL_HEADER, data_state, memo_version, memoised, version_key
from .cards import cards_html
from .chart import chart_from_counts
from .counting import live_counts
from .exports import csv_stream, export_rows, json_stream
from .facets import facets_from_counts
from .filters import ArticleFilter, filter_errors, public_filterset
from .models import Article, Source, Tag
from .querystring import query_pairs
from .tallies import tallied_counts, tally_scopes

logger = logging.getLogger(__name__)


class IdFirstPaginator(Paginator):
    """Finds a page's ids first, then fetches only those rows.

    The ids come from the indexes alone, however deep the page; the rows, with
    their outlets, tags and snippets, are then fetched for those 20 ids only.
    The ids are kept for the data version under `view_key`, in runs of
    `ids_kept` (ten pages): the next page of a run, or the same one again,
    does not walk the index down to it again.
    """

    ids_kept = 200

    def __init__(self, *args, view_key: str = "", fetch=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.view_key = view_key
        self.fetch = fetch or self.object_list.in_order_of

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        if top + self.orphans >= self.count:
            top = self.count
        ids = self.object_list.values_list("pk", flat=True)
        start = bottom - bottom % self.ids_kept
        # A run is read only to be kept: with nothing memoised, a page reads
        # its own 20 ids, not ten pages' (a rare tag's 200 newest took 100 ms
        # at a million).
        if self.view_key and memo_version()[1] and top <= start + self.ids_kept:
            run = memoised(
                "ids", f"{self.view_key}#{start}", lambda: list(ids[start : start + self.ids_kept])
            )
            ids = run[bottom - start : top - start]
        else:
            ids = list(ids[bottom:top])
        return self._get_page(self.fetch(ids), number, self)


class ArticleListView(FilterView):
    """Published articles through the public filters; invalid filters answer 400.

    The count, facets and chart of a view are kept for the current data
    version (articles/caching.py): paging through a view, or a second reader
    of it, does not count again.
    """

    filterset_class = ArticleFilter
    paginate_by = 20
    paginator_class = IdFirstPaginator
    template_name = "articles/article_list.html"

    def get_queryset(self):
        # Only ids and numbers are read from it: the cards come from articles.cards.
        return Article.objects.published()

    def get_template_names(self):
        if self.request.headers.get(PARTIAL_HEADER) == "results":
            return ["articles/article_list.html#results"]
        return super().get_template_names()

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if self.filterset.is_bound and not self.filterset.is_valid():
            response.status_code = 400
        patch_vary_headers(response, [PARTIAL_HEADER])
        return response

    def get_paginator(self, queryset, *args, **kwargs):
        paginator = super().get_paginator(
            queryset,
            *args,
            view_key=self._view_key() + "&ordering=" + self.filterset.effective_ordering(),
            fetch=self._cards,
            **kwargs,
        )
        paginator.count = self.aggregates["count"]
        return paginator

    def _cards(self, ids: list[int]) -> list[SafeString]:
        """The cards of a page, by id, with their search snippets."""
        text = self.filterset.form.cleaned_data.get("q") if self.filterset.is_valid() else ""
        return cards_html(ids, text=text or "")

    def _view_key(self) -> str:
        """The view's path and filters, whatever page: what its aggregates depend on."""
        return self.request.path + "?" + urlencode(query_pairs(self.request.GET))

    def _aggregates(self) -> dict:
        params = self.request.GET
        if self.filterset.is_bound and not self.filterset.is_valid():
            return {"count": 0, "facets": [], "chart": None}

        def compute():
            counts = self._tallied_counts()
            if counts is None:
                counts = live_counts(self.object_list)
            return {
                "count": counts["all"][""],
                "facets": facets_from_counts(counts, params),
                "chart": chart_from_counts(counts, params),
            }

        return memoised("list", self._view_key(), compute)

    def tally_page(self) -> dict:
        """The tag or outlet that this page's articles are all of, for its tallies."""
        return {}

    def _tallied_counts(self):
        data = self.filterset.form.cleaned_data if self.filterset.is_bound else {}
        scopes = tally_scopes(data, **self.tally_page())
        return tallied_counts(scopes) if scopes is not None else None

    def get_context_data(self, **kwargs):
        self.aggregates = self._aggregates()
        context = super().get_context_data(**kwargs)
        context.update(
            active_filters=self.filterset.active_filters(),
            result_count=self.aggregates["count"],
            facets=self.aggregates["facets"],
            chart=self.aggregates["chart"],
            feed_query=urlencode(query_pairs(self.request.GET)),
        )
        # The filter form, the chart and the facets, once drawn, are kept for
        # the data version too (and the cards, by articles.cards).
        context["fragment_key"], context["fragment_ttl"] = version_key(
            "fragments", self._view_key()
        )
        return context


class SourceDetailView(ArticleListView):
    """One outlet's articles, with the same filters as the main list."""

    template_name = "articles/source_detail.html"

    def get_queryset(self):
        # An outlet with no public article is not the public's to see, even by name.
        self.source = get_object_or_404(Source.objects.public(), slug=self.kwargs["slug"])
        return super().get_queryset().from_outlets([self.source])

    def tally_page(self) -> dict:
        return {"source": self.source}

    def get_context_data(self, **kwargs):
        return super().get_context_data(source=self.source, **kwargs)


class TagDetailView(ArticleListView):
    """One tag's articles, with the same filters as the main list."""

    template_name = "articles/tag_detail.html"

    def get_queryset(self):
        # A tag used only on drafts is not the public's to see, even by name.
        self.tag = get_object_or_404(Tag.objects.public(), slug=self.kwargs["slug"])
        return super().get_queryset().tagged(self.tag)

    def tally_page(self) -> dict:
        return {"tag": self.tag}

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag=self.tag, **kwargs)


class ArticleDetailView(DetailView):
    """A public article; for the newsroom's own staff, any article they may see,
    as a preview under a banner. Everyone else gets 404 for what is not public.

    The article's row is read on every request (it may have been unpublished);
    what the page draws from it and from its tags, copies and related articles
    is kept for the data version, and those are read only to draw it.
    """

    template_name = "articles/article_detail.html"

    def get_queryset(self):
        articles = Article.objects.select_related("source", "wire_service").defer(
            "body_text", "search_vector"
        )
        public = articles.published()
        user = self.request.user
        if not (user.is_staff and user.has_perm("articles.view_article")):
            return public
        if Article.is_editor(user):
            return articles
        # A contributor previews their own work, and reads what is public.
        return articles.filter(Q(pk__in=public.values("pk")) | Q(created_by=user))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        article = self.object
        tags = SimpleLazyObject(lambda: list(article.tags.all()))
        context["tags"] = tags
        context["copies"] = SimpleLazyObject(lambda: list(article.copies.select_related("source")))
        context["related"] = SimpleLazyObject(
            lambda: list(Article.objects.published().related_to(article, tags=tags))
        )
        user = self.request.user
        context["is_preview"] = (
            user.is_staff and not Article.objects.published().filter(pk=article.pk).exists()
        )
        context["fragment_key"], context["fragment_ttl"] = version_key("story", str(article.pk))
        return context

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        if context["is_preview"]:
            # A preview is for the one who asked: never stored by a cache.
            add_never_cache_headers(response)
        return response


class SourceListView(ListView):
    template_name = "articles/source_list.html"
    context_object_name = "sources"

    def get_queryset(self):
        # Those with a public article: the others' names are not the public's.
        sources = Source.objects.filter(is_active=True).counted()
        return [source for source in sources if source.article_count]


class TagListView(ListView):
    template_name = "articles/tag_list.html"
    context_object_name = "tags"

    def get_queryset(self):
        return Tag.objects.in_use()


def _export(request: HttpRequest, stream, *, content_type: str, extension: str):
    filterset = public_filterset(request.GET)
    if filterset.is_bound and not filterset.is_valid():
        return HttpResponseBadRequest(
            "This export's filters could not be applied:\n" + filter_errors(filterset),
            content_type="text/plain; charset=utf-8",
        )
    # One reverse() for the whole export, not one a row (half its time at
    # 10,000 rows): a slug is made of characters a URL needs no quoting for.
    marker = "slug-of-the-article"
    before, after = request.build_absolute_uri(
        reverse("articles:article_detail", kwargs={"slug": marker})
    ).split(marker)
    rows = export_rows(filterset.qs, page_url=lambda slug: before + slug + after)
    response = StreamingHttpResponse(stream(rows), content_type=content_type)
    filename = f"newsroom-articles-{timezone.localdate():%Y-%m-%d}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _data_changed_at(request: HttpRequest) -> datetime:
    return datetime.fromtimestamp(data_state().changed_at, tz=UTC)


# An export is not kept, but a revisit with nothing changed gets a 304 before
# any article is read.
@require_GET
@condition(last_modified_func=_data_changed_at)
def export_csv(request: HttpRequest) -> HttpResponse:
    return _export(request, csv_stream, content_type="text/csv; charset=utf-8", extension="csv")


@require_GET
@condition(last_modified_func=_data_changed_at)
def export_json(request: HttpRequest) -> HttpResponse:
    return _export(
        request, json_stream, content_type="application/json; charset=utf-8", extension="json"
    )


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /healthz",
        "Disallow: /export.",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any failure to reach the database means "down"
        logger.exception("Health check: the database did not answer")
        return False
    return True


def _cache_answers() -> bool:
    try:
        cache.set("healthz", "ok", timeout=10)
        return cache.get("healthz") == "ok"
    except Exception:  # any failure to reach the cache means "degraded"
        logger.exception("Health check: the cache did not answer")
        return False


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, saying whether the cache does; 503 only
    without the database. The site works without its cache, only slower (a
    Redis that fails reads as a miss), and app servers sharing one Redis must
    not all leave a load balancer at once when it fails."""
    database = _database_answers()
    status = {
        "database": "ok" if database else "down",
        "cache": "ok" if _cache_answers() else "degraded",
    }
    return JsonResponse(status, status=200 if database else 503)
