import logging

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import DetailView, ListView
from django_filters.views import FilterView

from .filters import ArticleFilter
from .models import Article, Source, Tag

logger = logging.getLogger(__name__)


class ArticleListView(FilterView):
    """Published articles through the public filters; invalid filters answer 400."""

    filterset_class = ArticleFilter
    paginate_by = 20
    template_name = "articles/article_list.html"

    def get_queryset(self):
        return Article.objects.published().for_listing()

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if self.filterset.is_bound and not self.filterset.is_valid():
            response.status_code = 400
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["active_filters"] = self.filterset.active_filters()
        context["result_count"] = context["paginator"].count if context["paginator"] else 0
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
    template_name = "articles/article_detail.html"

    def get_queryset(self):
        return Article.objects.published().for_listing().with_copies()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["related"] = Article.objects.published().related_to(self.object)
        return context


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


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /healthz"]
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
