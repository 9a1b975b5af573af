"""The numbers beside a list, read from tallies kept on every write
(articles/tallies.py), are the numbers a live count gives.

Every test of the suite also checks, as it ends, that the tallies agree with a
count made afresh (conftest.py); these drive each kind of write on purpose.
"""

import datetime
import io
import time
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.chart import chart_from_counts
from articles.counting import live_counts
from articles.facets import facets_from_counts
from articles.filters import public_filterset
from articles.models import Article, ArticleStatus, Source, SourceKind, Tag, TallyClock
from articles.tallies import (
    tallied_counts,
    tallies_drift,
    tallies_held,
    tallies_rebuild,
    tally_scopes,
)
from tests.factories import ArticleFactory, SourceFactory, TagFactory
from tests.plain_counts import plain_numbers

pytestmark = pytest.mark.django_db

TORONTO = ZoneInfo("America/Toronto")


def at(year, month, day=15, hour=12):
    return datetime.datetime(year, month, day, hour, tzinfo=TORONTO)


@pytest.fixture
def beat(db):
    cbc = SourceFactory(name="CBC", slug="cbc", kind=SourceKind.BROADCASTER, country="CA")
    ap = SourceFactory(name="AP", slug="ap", kind=SourceKind.WIRE, country="US")
    star = SourceFactory(name="Star", slug="star", kind=SourceKind.NEWSPAPER, country="CA")
    devoir = SourceFactory(name="Le Devoir", slug="le-devoir", country="CA", language="fr")
    tags = {slug: TagFactory(name=slug.title(), slug=slug) for slug in ("stca", "roxham", "asylum")}
    stca, roxham, asylum = tags.values()
    ArticleFactory(source=cbc, tags=[stca, roxham], published_at=at(2023, 3, 1, 2))
    ArticleFactory(source=cbc, tags=[stca], published_at=at(2023, 3, 31, 23))
    ArticleFactory(source=star, wire_service=ap, tags=[stca, asylum], published_at=at(2023, 5))
    ArticleFactory(source=ap, language="fr", published_at=at(2022, 11))
    ArticleFactory(source=devoir, language="fr", tags=[roxham], published_at=at(2024, 1, 1, 0))
    ArticleFactory(source=star, tags=[asylum], published_at=None)
    ArticleFactory(source=ap, tags=[roxham], status=ArticleStatus.DRAFT, published_at=at(2021, 1))
    ArticleFactory(
        source=star, tags=[asylum], published_at=timezone.now() + datetime.timedelta(days=3)
    )
    return {"cbc": cbc, "ap": ap, "star": star, **tags}


def numbers_of(counts, params) -> tuple:
    """(count, facets, chart) of a list, drawn from its counts as the view draws them."""
    return (
        counts["all"][""],
        facets_from_counts(counts, params),
        chart_from_counts(counts, params),
    )


def live_and_tallied(query: str, **page):
    """The (count, facets, chart) of a list, counted live and read from the tallies."""
    params = QueryDict(query)
    filterset = public_filterset(params)
    assert not filterset.is_bound or filterset.is_valid(), filterset.errors
    articles = filterset.qs
    if "tag" in page:
        articles = articles.tagged(page["tag"])
    if "source" in page:
        articles = articles.from_outlets([page["source"]])
    live = plain_numbers(articles, params)
    scopes = tally_scopes(filterset.form.cleaned_data if filterset.is_bound else {}, **page)
    assert scopes is not None, f"{query} is not tallied"
    return live, numbers_of(tallied_counts(scopes), params)


QUERIES = [
    "",
    "tag=stca",
    "tag=roxham",
    "source=ap",  # its own articles and those it supplied as a wire service
    "source=cbc",
    "kind=wire",
    "country=CA",
    "language=fr",
    "published_after=2023-03-01&published_before=2023-03-31",
    "published_after=2023-01-01&published_before=2023-12-31",
    "published_after=2022-11-01&published_before=2024-01-31",
    "tag=stca&ordering=oldest&page=2",
]


@pytest.mark.parametrize("query", QUERIES)
def test_tallied_numbers_are_the_live_ones(beat, query):
    live, tallied = live_and_tallied(query)
    assert live[0] > 0
    assert tallied == live


def test_tag_and_outlet_pages_are_tallied_too(beat):
    for page in ({"tag": beat["asylum"]}, {"source": beat["ap"]}):
        live, tallied = live_and_tallied("", **page)
        assert tallied == live
    live, tallied = live_and_tallied("tag=asylum", tag=beat["asylum"])
    assert tallied == live


@pytest.mark.parametrize(
    "query",
    [
        "q=border",
        "tag=stca&tag=roxham",
        "source=ap&source=cbc",
        "tag=stca&kind=wire",
        "published_after=2023-03-02&published_before=2023-03-31",
        "published_after=2023-03-01",
        "published_after=2023-03-01&published_before=2023-03-30",
        "published_after=2023-01-01&published_before=9999-12-31",
        "tag=stca&published_after=2023-03-01&published_before=2023-03-31",
    ],
)
def test_searches_and_combined_filters_are_counted_live(beat, query):
    filterset = public_filterset(QueryDict(query))
    assert filterset.is_valid()
    assert tally_scopes(filterset.form.cleaned_data) is None


LIVE_QUERIES = [
    "q=border",
    "q=border&tag=roxham",
    "q=border&ordering=newest&page=2",
    "q=nothing-matches-this",
    "tag=stca&tag=roxham",
    "source=ap&source=cbc",
    "tag=stca&kind=wire",
    "published_after=2023-03-02&published_before=2023-04-01",
    "published_after=2023-03-01",
    "tag=stca&published_after=2023-03-01&published_before=2023-03-31",
]


@pytest.mark.parametrize("query", LIVE_QUERIES)
def test_live_numbers_are_the_plain_ones(beat, query):
    """Counted live in four queries (articles/counting.py), a search or combined
    filters give what one query a facet gives, months at their edges included."""
    params = QueryDict(query)
    filterset = public_filterset(params)
    assert filterset.is_valid(), filterset.errors
    live = numbers_of(live_counts(filterset.qs), params)
    assert live == plain_numbers(filterset.qs, params)


@pytest.mark.parametrize(
    "zone", ["America/Toronto", "UTC", "Asia/Tokyo", "Asia/Kolkata", "America/St_Johns"]
)
def test_live_months_are_the_readers_months_in_any_zone(db, zone):
    """A month begins at a different hour, UTC, in each zone; a zone a half hour
    from UTC is counted the plain way."""
    utc = datetime.UTC
    for day, hour in [(1, 0), (1, 4), (1, 5), (1, 23), (2, 0), (15, 12), (28, 20), (31, 3)]:
        for month in (1, 3, 12):
            if day == 31 and month not in (1, 3, 12):
                continue
            ArticleFactory(published_at=datetime.datetime(2023, month, day, hour, 30, tzinfo=utc))
    ArticleFactory(published_at=datetime.datetime(2023, 2, 28, 22, tzinfo=utc))
    with timezone.override(ZoneInfo(zone)):
        articles = public_filterset(QueryDict("q=border")).qs
        counts = live_counts(articles)
        params = QueryDict("q=border")
        assert chart_from_counts(counts, params) == plain_numbers(articles, params)[2]
        assert sum(counts["month"].values()) == 25


def test_live_numbers_take_four_queries_whatever_the_filters(beat, django_assert_num_queries):
    filterset = public_filterset(QueryDict("q=border&tag=stca&source=cbc&source=star"))
    assert filterset.is_valid()
    articles = filterset.qs
    with django_assert_num_queries(4):
        counts = live_counts(articles)
    assert counts["all"][""] == 3


def test_a_tag_filter_on_another_tags_page_is_counted_live(beat):
    filterset = public_filterset(QueryDict("tag=stca"))
    assert filterset.is_valid()
    assert tally_scopes(filterset.form.cleaned_data, tag=beat["roxham"]) is None


def test_an_unfiltered_list_reads_its_numbers_without_counting_articles(client, beat, settings):
    settings.CACHE_AGGREGATES = False
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200
    assert response.context["result_count"] == 6
    grouped = [q["sql"] for q in queries if "GROUP BY" in q["sql"] or "COUNT(" in q["sql"]]
    assert grouped == []
    # Nor for the languages its filter form offers: a look through every
    # article, 180 ms at a million on PostgreSQL.
    assert not [
        q["sql"] for q in queries if "DISTINCT" in q["sql"] and "articles_article" in q["sql"]
    ]


def facet(response, name):
    facets = {f.name: f for f in response.context["facets"]}
    return {v.label: v.count for v in facets[name].values} if name in facets else {}


def tallied(scope=""):
    return tallied_counts([scope])


def test_each_write_is_tallied_at_once(client, beat, settings):
    settings.CACHE_AGGREGATES = False
    stca, roxham, asylum = beat["stca"], beat["roxham"], beat["asylum"]
    article = ArticleFactory(source=beat["cbc"], tags=[roxham], published_at=at(2023, 6))
    assert tallied()["all"][""] == 7
    assert tallied(f"tag:{roxham.pk}")["source"][str(beat["cbc"].pk)] == 2

    # Its tags, from either end.
    article.tags.add(stca)
    stca.articles.remove(article)
    asylum.articles.add(article)
    assert tallied(f"tag:{asylum.pk}")["all"][""] == 3
    article.tags.clear()
    assert tallied(f"tag:{roxham.pk}")["all"][""] == 2

    # Its outlet, its date, its status.
    article.source = beat["ap"]
    article.published_at = at(2020, 2)
    article.save()
    assert tallied("month:2020-02")["source"] == {str(beat["ap"].pk): 1}
    Article.objects.filter(pk=article.pk).update(status=ArticleStatus.ARCHIVED)
    assert tallied()["all"][""] == 6
    assert tallied("year:2020")["all"][""] == 0
    response = client.get("/")
    assert response.context["result_count"] == 6
    assert "2020" not in facet(response, "year")

    # An outlet's kind and country are its articles'.
    beat["cbc"].kind = SourceKind.MAGAZINE
    beat["cbc"].country = "GB"
    beat["cbc"].save()
    assert tallied("kind:magazine")["all"][""] == 2
    assert tallied("country:GB")["all"][""] == 2
    Source.objects.filter(pk=beat["star"].pk).update(country="MX")
    assert tallied("country:MX")["all"][""] == 2

    # A tag deleted, and an article.
    roxham_id = roxham.pk
    roxham.delete()
    assert tallied()["tag"][str(roxham_id)] == 0
    assert tallied(f"tag:{roxham_id}")["all"][""] == 0
    Article.objects.filter(source=beat["cbc"]).delete()
    assert tallied()["all"][""] == 4
    assert tallies_drift() == {}


def test_bulk_created_articles_are_tallied(beat):
    source = beat["cbc"]
    Article.objects.bulk_create(
        [
            Article(title=f"Bulk {i}", slug=f"bulk-{i}", source=source, status="published")
            for i in range(3)
        ]
    )
    assert tallied(f"source:{source.pk}")["all"][""] == 5
    assert tallies_drift() == {}


def test_a_scheduled_article_counts_the_moment_it_is_due_with_no_write(client, beat, settings):
    settings.CACHE_AGGREGATES = False
    due = timezone.now() + datetime.timedelta(seconds=1.5)
    ArticleFactory(source=beat["cbc"], tags=[beat["stca"]], publish_at=due)
    assert tallied(f"tag:{beat['stca'].pk}")["all"][""] == 3
    time.sleep(max(0, (due - timezone.now()).total_seconds()) + 0.1)
    assert tallied(f"tag:{beat['stca'].pk}")["all"][""] == 4
    response = client.get(f"/tags/{beat['stca'].slug}/")
    assert response.context["result_count"] == 4


def test_loading_many_rows_at_once_counts_them_after(beat):
    with tallies_held():
        article = Article.objects.create(title="Held", source=beat["cbc"], status="published")
        article.tags.through.objects.create(article=article, tag=beat["stca"])
        assert tallied()["all"][""] == 6
    assert tallied()["all"][""] == 7
    assert tallied(f"tag:{beat['stca'].pk}")["all"][""] == 4


def test_a_rebuild_gives_what_the_writes_kept(beat):
    kept = {scope: tallied(scope) for scope in ("", f"tag:{beat['stca'].pk}", "kind:wire")}
    tallies_rebuild()
    assert {scope: tallied(scope) for scope in kept} == kept


def test_nothing_tallied_is_counted_live(client, beat, settings):
    settings.CACHE_AGGREGATES = False
    TallyClock.objects.all().delete()
    assert tallied_counts([""]) is None
    response = client.get("/?tag=stca")
    assert response.context["result_count"] == 3
    assert facet(response, "tag")["Roxham"] == 1


def _index_counts(objects) -> dict[int, int]:
    return {row.pk: row.article_count for row in objects}


def test_outlet_and_tag_indexes_read_their_counts_from_the_tallies(client, beat):
    due = timezone.now() + datetime.timedelta(seconds=1.5)
    ArticleFactory(
        source=beat["star"], wire_service=beat["ap"], tags=[beat["roxham"]], publish_at=due
    )
    sources = Source.objects.filter(is_active=True)
    assert _index_counts(sources.counted()) == _index_counts(sources.with_published_count())
    assert _index_counts(Tag.objects.in_use()) == _index_counts(
        Tag.objects.with_published_count().filter(article_count__gt=0)
    )
    # The wire service counts the stories it supplied; the draft counts nowhere.
    assert _index_counts(sources.counted())[beat["ap"].pk] == 2
    time.sleep(max(0, (due - timezone.now()).total_seconds()) + 0.1)
    assert _index_counts(sources.counted())[beat["ap"].pk] == 3
    assert _index_counts(Tag.objects.in_use())[beat["roxham"].pk] == 3
    for url in ("/sources/", "/tags/"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()], url


def test_without_tallies_the_indexes_are_counted_live(client, beat):
    TallyClock.objects.all().delete()
    counts = {s.name: s.article_count for s in client.get("/sources/").context["sources"]}
    assert counts == {"CBC": 2, "AP": 2, "Star": 2, "Le Devoir": 1}
    tags = {t.name: t.article_count for t in client.get("/tags/").context["tags"]}
    assert tags == {"Stca": 3, "Roxham": 2, "Asylum": 2}
    tallies_rebuild()


def test_recount_repairs_tallies_that_a_raw_write_left_behind(beat):
    # A write straight to the database, round the models and their signals.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE articles_article SET status = 'archived' WHERE source_id = %s",
            [beat["cbc"].pk],
        )
    with pytest.raises(CommandError, match="tallies differ from a fresh count"):
        call_command("recount", "--check")
    out = io.StringIO()
    call_command("recount", stdout=out)
    assert "Recounted" in out.getvalue()
    assert tallied()["all"][""] == 4
    call_command("recount", "--check", stdout=io.StringIO())
