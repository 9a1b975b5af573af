import logging
from urllib.parse import urlencode

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
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import DetailView, ListView
from django_filters.views import FilterView

from .chart import coverage_chart
from .exports import csv_stream, export_rows, json_stream
from .facets import facets_for
from .filters import ArticleFilter, filter_errors, public_filterset
from .models import Article, Source, Tag
from .querystring import query_pairs

logger = logging.getLogger(__name__)


# Sent by static/js/filters.js to get only the part of the page that changes.
PARTIAL_HEADER = "X-Newsroom-Partial"


class ArticleListView(FilterView):
    """Published articles through the public filters; invalid filters answer 400."""

    filterset_class = ArticleFilter
    paginate_by = 20
    template_name = "articles/article_list.html"

    def get_queryset(self):
        return Article.objects.published().for_listing()

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

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        valid = not self.filterset.is_bound or self.filterset.is_valid()
        context.update(
            active_filters=self.filterset.active_filters(),
            result_count=context["paginator"].count,
            facets=facets_for(self.object_list, self.request.GET) if valid else [],
            chart=coverage_chart(self.object_list, self.request.GET) if valid else None,
            feed_query=urlencode(query_pairs(self.request.GET)),
        )
        return context


class SourceDetailView(ArticleListView):
    """One outlet's articles, with the same filters as the main list."""

    template_name = "articles/source_detail.html"

    def get_queryset(self):
        self.source = get_object_or_404(Source, slug=self.kwargs["slug"], is_active=True)
        return super().get_queryset().from_outlets([self.source])

    def get_context_data(self, **kwargs):
        return super().get_context_data(source=self.source, **kwargs)


class TagDetailView(ArticleListView):
    """One tag's articles, with the same filters as the main list."""

    template_name = "articles/tag_detail.html"

    def get_queryset(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        return super().get_queryset().filter(tags=self.tag)

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag=self.tag, **kwargs)


class ArticleDetailView(DetailView):
    """A public article; for the newsroom's own staff, any article they may see,
    as a preview under a banner. Everyone else gets 404 for what is not public."""

    template_name = "articles/article_detail.html"

    def get_queryset(self):
        public = Article.objects.published().for_listing().with_copies()
        user = self.request.user
        if not (user.is_staff and user.has_perm("articles.view_article")):
            return public
        articles = Article.objects.for_listing().with_copies()
        if Article.is_editor(user):
            return articles
        # A contributor previews their own work, and reads what is public.
        return articles.filter(Q(pk__in=public.values("pk")) | Q(created_by=user))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["related"] = Article.objects.published().related_to(self.object)
        user = self.request.user
        context["is_preview"] = (
            user.is_staff and not Article.objects.published().filter(pk=self.object.pk).exists()
        )
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
        return Source.objects.filter(is_active=True).with_published_count()


class TagListView(ListView):
    template_name = "articles/tag_list.html"
    context_object_name = "tags"

    def get_queryset(self):
        return Tag.objects.with_published_count().filter(article_count__gt=0)


def _export(request: HttpRequest, stream, *, content_type: str, extension: str):
    filterset = public_filterset(request.GET)
    if filterset.is_bound and not filterset.is_valid():
        return HttpResponseBadRequest(
            "This export's filters could not be applied:\n" + filter_errors(filterset),
            content_type="text/plain; charset=utf-8",
        )
    rows = export_rows(
        filterset.qs,
        page_url=lambda article: request.build_absolute_uri(article.get_absolute_url()),
    )
    response = StreamingHttpResponse(stream(rows), content_type=content_type)
    filename = f"newsroom-articles-{timezone.localdate():%Y-%m-%d}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    return _export(request, csv_stream, content_type="text/csv; charset=utf-8", extension="csv")


@require_GET
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


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any failure to reach the database means "down"
        logger.exception("Health check: the database did not answer")
        return JsonResponse({"database": "down"}, status=503)
    return JsonResponse({"database": "ok"})
