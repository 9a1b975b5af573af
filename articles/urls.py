from django.urls import path

from . import feeds, views
from .caching import cache_public_page

app_name = "articles"

urlpatterns = [
    path("", cache_public_page(views.ArticleListView.as_view()), name="article_list"),
    path(
        "articles/<slug:slug>/",
        cache_public_page(views.ArticleDetailView.as_view()),
        name="article_detail",
    ),
    path("sources/", cache_public_page(views.SourceListView.as_view()), name="source_list"),
    path(
        "sources/<slug:slug>/",
        cache_public_page(views.SourceDetailView.as_view()),
        name="source_detail",
    ),
    path("tags/", cache_public_page(views.TagListView.as_view()), name="tag_list"),
    path("tags/<slug:slug>/", cache_public_page(views.TagDetailView.as_view()), name="tag_detail"),
    path("feed/rss/", cache_public_page(feeds.ArticleRSSFeed()), name="feed_rss"),
    path("feed/atom/", cache_public_page(feeds.ArticleAtomFeed()), name="feed_atom"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("export.json", views.export_json, name="export_json"),
]
