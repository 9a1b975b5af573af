from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Article, Source, Tag


class ArticleSitemap(Sitemap):
    changefreq = "weekly"
    limit = 5000

    def items(self):
        return Article.objects.published().order_by("pk").only("slug", "updated_at")

    def lastmod(self, article):
        return article.updated_at


class SourceSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return Source.objects.public().order_by("pk").only("slug")


class TagSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return Tag.objects.order_by("pk").in_use()


class IndexSitemap(Sitemap):
    changefreq = "hourly"
    priority = 1.0

    def items(self):
        return ["articles:article_list", "articles:source_list", "articles:tag_list"]

    def location(self, name):
        return reverse(name)


SITEMAPS = {
    "index": IndexSitemap,
    "articles": ArticleSitemap,
    "sources": SourceSitemap,
    "tags": TagSitemap,
}
