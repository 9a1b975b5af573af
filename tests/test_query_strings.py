"""No query string breaks a public page or reveals what the public may not see."""

import datetime

import pytest
from django.test import Client, override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from articles.filters import ArticleFilter
from articles.models import Article, ArticleStatus
from tests.factories import ArticleFactory, SourceFactory, TagFactory
from tests.hostile.query_strings import QUERY_STRINGS

PUBLIC_PATHS = [
    "/",
    "/sources/cbc/",
    "/tags/asylum/",
    "/sources/",
    "/tags/",
    "/articles/public-story/",
    "/feed/rss/",
    "/feed/atom/",
    "/export.csv",
    "/export.json",
    "/sitemap.xml",
    "/robots.txt",
    "/healthz",
]

SECRETS = ["Secret draft", "Secret review", "Secret archived", "Secret scheduled"]


@pytest.fixture
def newsroom(db):
    source = SourceFactory(slug="cbc")
    tag = TagFactory(slug="asylum")
    ArticleFactory(title="Public story", slug="public-story", source=source, tags=[tag])
    for title, status in zip(
        SECRETS[:3],
        [ArticleStatus.DRAFT, ArticleStatus.REVIEW, ArticleStatus.ARCHIVED],
        strict=True,
    ):
        ArticleFactory(title=title, status=status, source=source, tags=[tag])
    ArticleFactory(
        title="Secret scheduled",
        source=source,
        tags=[tag],
        published_at=timezone.now() + datetime.timedelta(days=3),
    )


def body_of(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8", "replace")


def test_the_corpus_is_large_enough():
    assert len(QUERY_STRINGS) >= 80


@pytest.mark.parametrize("query", QUERY_STRINGS, ids=lambda q: q[:40])
def test_hostile_query_strings_never_500_and_never_leak(client, newsroom, query):
    for path in PUBLIC_PATHS:
        response = client.get(f"{path}?{query}")
        assert response.status_code in (200, 304, 400, 404), (path, response.status_code)
        body = body_of(response)
        for secret in SECRETS:
            assert secret not in body, (path, secret)
        if response.status_code == 400:
            assert "could not be applied" in body or "Bad request" in body, (path, body[:300])


TOO_MANY_FIELDS = "&".join(["tag=asylum"] * 1001)


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
@pytest.mark.parametrize("path", [*PUBLIC_PATHS, "/fr/", "/admin/"])
def test_too_many_fields_get_a_400_that_says_why(client, newsroom, path, debug):
    """Django refuses a query string of more than DATA_UPLOAD_MAX_NUMBER_FIELDS
    fields; with DEBUG on, its error page read them again and made it a 500."""
    with override_settings(DEBUG=debug):
        response = client.get(f"{path}?{TOO_MANY_FIELDS}")
    assert response.status_code == 400
    assert "more than 1,000 fields" in body_of(response)


# Values a reader could put in each filter, valid or not.
filter_values = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["asylum", "cbc", "wire", "CA", "fr", "2023-03-07", "newest", "relevance"]),
    st.dates().map(datetime.date.isoformat),
    st.integers().map(str),
)
filter_names = st.sampled_from(
    [
        "q",
        "tag",
        "source",
        "kind",
        "country",
        "language",
        "published_after",
        "published_before",
        "ordering",
        "page",
        "status",
    ]
)


class FilterSetProperties(TestCase):
    """Whatever the query, the FilterSet answers with public articles or errors."""

    @classmethod
    def setUpTestData(cls):
        cls.source = SourceFactory(slug="cbc", kind="wire", country="CA")
        cls.tag = TagFactory(slug="asylum")
        cls.public = ArticleFactory(title="Public story", source=cls.source, tags=[cls.tag])
        ArticleFactory(title="Secret draft", status=ArticleStatus.DRAFT, tags=[cls.tag])
        ArticleFactory(title="French story", language="fr", source=cls.source)

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(st.tuples(filter_names, filter_values), max_size=6))
    def test_filterset_never_raises_and_never_leaks(self, pairs):
        from django.http import QueryDict

        data = QueryDict(mutable=True)
        for name, value in pairs:
            data.appendlist(name, value)
        filterset = ArticleFilter(data, queryset=Article.objects.published())
        if filterset.is_valid():
            titles = set(filterset.qs.values_list("title", flat=True))
            assert "Secret draft" not in titles
            assert titles <= {"Public story", "French story"}
        else:
            assert filterset.errors

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.text(max_size=200))
    def test_any_search_text_gives_a_page(self, text):
        response = Client().get("/", {"q": text})
        assert response.status_code == 200
        assert "Secret draft" not in response.text

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.sampled_from(["tag", "source", "kind"]), st.text(max_size=30))
    def test_more_filters_never_widen_the_results(self, name, value):
        from django.http import QueryDict

        base = ArticleFilter(QueryDict("country=CA"), queryset=Article.objects.published())
        data = QueryDict("country=CA", mutable=True)
        data.appendlist(name, value)
        narrowed = ArticleFilter(data, queryset=Article.objects.published())
        if narrowed.is_valid():
            assert set(narrowed.qs) <= set(base.qs)
