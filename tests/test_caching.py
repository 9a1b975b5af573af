"""The page cache, memoised counts and conditional requests (articles/caching.py)."""

import datetime
import math
import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.caching import _cacheable
from articles.models import Article, ArticleStatus
from articles.views import IdFirstPaginator
from tests.cards import card_titles
from tests.factories import ArticleFactory, SourceFactory, TagFactory

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = ["/", "/?tag=stca", "/tags/stca/", "/sources/cbc/", "/feed/rss/", "/feed/atom/"]


@pytest.fixture
def beat(db):
    cbc = SourceFactory(name="CBC", slug="cbc")
    stca = TagFactory(name="Safe Third Country Agreement", slug="stca")
    return {
        "story": ArticleFactory(title="Roxham Road closes", source=cbc, tags=[stca]),
        "tag": stca,
        "source": cbc,
    }


def queries_for(client, url, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    return response, len(queries)


@pytest.mark.parametrize("url", [*PUBLIC_PAGES, "detail", "/sources/", "/tags/", "/sitemap.xml"])
def test_second_anonymous_request_is_served_from_the_cache_without_queries(client, beat, url):
    url = beat["story"].get_absolute_url() if url == "detail" else url
    first, first_queries = queries_for(client, url)
    second, second_queries = queries_for(client, url)
    assert first.status_code == second.status_code == 200
    assert first_queries > 0
    assert second_queries == 0
    assert second.content == first.content


def test_a_publish_shows_at_once(client, beat):
    draft = ArticleFactory(title="Minister announces review", status=ArticleStatus.DRAFT)
    assert "Minister announces review" not in client.get("/").text
    draft.status = ArticleStatus.PUBLISHED
    draft.save()
    assert "Minister announces review" in client.get("/").text
    assert client.get(draft.get_absolute_url()).status_code == 200


@pytest.mark.parametrize(
    "change",
    [
        "edit_title",
        "bulk_status",
        "delete",
        "tag_removed",
        "tag_renamed",
        "source_renamed",
        "bulk_create",
    ],
)
def test_every_kind_of_change_makes_the_cached_pages_stale(client, beat, change):
    story, tag, source = beat["story"], beat["tag"], beat["source"]
    pages = ["/", "/tags/stca/", "/sources/cbc/", "/feed/rss/", story.get_absolute_url()]
    before = {url: client.get(url).content for url in pages}
    if change == "edit_title":
        story.title = "Roxham Road reopens"
        story.save()
    elif change == "bulk_status":
        Article.objects.filter(pk=story.pk).update(status=ArticleStatus.ARCHIVED)
    elif change == "delete":
        story.delete()
    elif change == "tag_removed":
        story.tags.remove(tag)
    elif change == "tag_renamed":
        tag.name = "STCA"
        tag.save()
    elif change == "source_renamed":
        source.name = "CBC News"
        source.save()
    elif change == "bulk_create":
        Article.objects.bulk_create(
            [Article(title="Bulk story", slug="bulk-story", source=source, status="published")]
        )
    after = {url: client.get(url).content for url in pages}
    assert after["/"] != before["/"]
    assert after["/feed/rss/"] != before["/feed/rss/"]


@pytest.mark.parametrize("field", ["published_at", "publish_at"])
def test_a_scheduled_article_appears_when_its_time_comes(client, beat, field):
    """Whether the outlet's date or the go-live time holds it back, the cached
    pages know when it is due: no write is needed for it to appear."""
    soon = timezone.now() + datetime.timedelta(seconds=1.5)
    ArticleFactory(title="Scheduled story", **{field: soon})
    assert "Scheduled story" not in client.get("/").text
    assert "Scheduled story" not in client.get("/").text  # from the cache
    time.sleep((soon - timezone.now()).total_seconds() + 0.1)
    assert "Scheduled story" in client.get("/").text


def test_editors_always_get_a_fresh_page(editor_client, beat):
    """A write the cache cannot hear of (raw SQL) leaves readers a stale page;
    an editor gets the page as it is now."""
    client = Client()
    client.get("/")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE articles_article SET title = %s WHERE id = %s",
            ["Changed behind the cache's back", beat["story"].pk],
        )
    assert "Changed behind the cache" not in client.get("/").text
    response = editor_client.get("/")
    assert "Changed behind the cache" in response.text
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_the_partial_and_the_full_page_are_cached_apart(client, beat):
    full = client.get("/")
    partial = client.get("/", headers={"X-Newsroom-Partial": "results"})
    again = client.get("/")
    assert "<html" in full.text and "<html" in again.text
    assert "<html" not in partial.text
    assert "X-Newsroom-Partial" in again["Vary"]


def cached_pages() -> list[str]:
    return [key for key in cache._cache if ":page:" in key]  # the local-memory backend's


def test_invalid_filters_and_missing_pages_are_not_cached(client, beat):
    assert client.get("/?published_after=nope").status_code == 400
    assert client.get("/articles/no-such-story/").status_code == 404
    assert cached_pages() == []
    client.get("/")
    assert len(cached_pages()) == 1


def test_a_response_that_sets_a_cookie_is_not_cached(client, beat):
    response = HttpResponse("x")
    response.set_cookie("choice", "1")
    assert not _cacheable(response)
    assert _cacheable(HttpResponse("x"))


@override_settings(CACHE_PAGES=False)
def test_counts_facets_and_chart_are_memoised_for_the_view(client, beat):
    """Page 2 of a view, or the same view again with the page cache off, does
    not count, facet or chart again; the same view again does not even read
    its cards, which are kept too (articles/cards.py)."""
    ArticleFactory.create_batch(25, tags=[beat["tag"]])
    _, first = queries_for(client, "/?tag=stca")
    _, second = queries_for(client, "/?tag=stca&page=2")
    _, again = queries_for(client, "/?tag=stca")
    assert second < first
    assert again < second


@override_settings(CACHE_PAGES=False)
def test_a_kept_card_shows_a_change_at_once(client, beat):
    story = beat["story"]
    assert "Roxham Road closes" in client.get("/").text
    story.title = "Roxham Road reopens"
    story.save()
    beat["source"].name = "CBC News"
    beat["source"].save()
    page = client.get("/").text
    assert "Roxham Road reopens" in page and "Roxham Road closes" not in page
    assert "CBC News" in page


@override_settings(CACHE_PAGES=False)
def test_a_card_found_by_a_search_keeps_its_own_passage(client, beat):
    story = beat["story"]
    story.body = "<p>The crossing at Roxham Road was closed to asylum seekers.</p>"
    story.save()
    found = client.get("/?q=asylum").text
    assert "<mark>asylum</mark>" in found
    # The same article's card on the unfiltered list has no passage.
    assert "<mark>" not in client.get("/").text
    assert "<mark>crossing</mark>" in client.get("/?q=crossing").text


@override_settings(CACHE_PAGES=False)
def test_an_article_page_again_reads_only_its_row_and_shows_changes(client, beat):
    """The story, its tags and its related articles are drawn once for the
    data version; the article's own row is read every time."""
    url = beat["story"].get_absolute_url()
    _, first = queries_for(client, url)
    response, again = queries_for(client, url)
    assert again == 1 < first
    assert "Safe Third Country Agreement" in response.text
    beat["tag"].name = "STCA"
    beat["tag"].save()
    page = client.get(url).text
    assert ">STCA</a>" in page and "Safe Third Country Agreement" not in page
    Article.objects.filter(pk=beat["story"].pk).update(status=ArticleStatus.DRAFT)
    assert client.get(url).status_code == 404


@override_settings(CACHE_PAGES=False, CACHE_AGGREGATES=False)
def test_with_every_cache_off_each_request_counts_again(client, beat):
    _, first = queries_for(client, "/?tag=stca")
    _, again = queries_for(client, "/?tag=stca")
    assert again == first


@pytest.mark.parametrize(
    "url", ["/", "/?tag=stca", "detail", "/feed/rss/", "/feed/atom/", "/tags/stca/"]
)
def test_revisits_get_304_not_modified(client, beat, url):
    url = beat["story"].get_absolute_url() if url == "detail" else url
    first = client.get(url)
    assert first.status_code == 200
    assert first["ETag"] and first["Last-Modified"]
    assert "max-age=0" in first["Cache-Control"]
    by_etag = client.get(url, headers={"If-None-Match": first["ETag"]})
    by_date = client.get(url, headers={"If-Modified-Since": first["Last-Modified"]})
    assert by_etag.status_code == by_date.status_code == 304
    assert by_etag.content == b""


@pytest.mark.parametrize("url", ["/", "detail", "/feed/rss/"])
def test_after_a_change_a_revisit_gets_the_new_page(client, beat, url):
    story = beat["story"]
    url = story.get_absolute_url() if url == "detail" else url
    first = client.get(url)
    story.title = "Roxham Road reopens"
    story.save()
    by_etag = client.get(url, headers={"If-None-Match": first["ETag"]})
    by_date = client.get(url, headers={"If-Modified-Since": first["Last-Modified"]})
    assert by_etag.status_code == by_date.status_code == 200
    assert "Roxham Road reopens" in by_etag.text


def test_changes_within_one_second_still_move_last_modified(client, beat):
    story = beat["story"]
    first = client.get("/")["Last-Modified"]
    story.save()
    second = client.get("/")["Last-Modified"]
    story.save()
    third = client.get("/")["Last-Modified"]
    assert len({first, second, third}) == 3


def test_health_check_says_the_cache_is_degraded_with_200_when_it_is_down(client, beat):
    """The site works without its cache: app servers sharing one Redis must not
    all leave a load balancer because of it."""
    with socket_closed_port() as port:
        down = {
            "default": {
                "BACKEND": "newsroom.redis_cache.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{port}/0",
                "OPTIONS": {"socket_connect_timeout": 0.5},
            },
            "versioned": {"BACKEND": "articles.versioned_cache.VersionedCache"},
        }
        with override_settings(CACHES=down):
            response = client.get("/healthz")
            page = client.get("/")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "degraded"}
    assert page.status_code == 200 and "Roxham Road closes" in page.text


def socket_closed_port():
    """A context giving a local TCP port that nothing listens on."""
    import contextlib
    import socket

    @contextlib.contextmanager
    def closed():
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        yield port

    return closed()


@override_settings(CACHE_PAGES=False)
def test_the_ids_of_a_run_of_pages_are_kept_together(client, beat, monkeypatch):
    """A page's ids come from the run of pages kept for the view: the next
    page in the run does not walk the index again; the pages still hold every
    article once, in order."""
    monkeypatch.setattr(IdFirstPaginator, "ids_kept", 40)
    ArticleFactory.create_batch(44, tags=[beat["tag"]])
    newest = [a.title for a in Article.objects.published()]
    pages = {}
    for number in (1, 2, 3):
        with CaptureQueriesContext(connection) as queries:
            pages[number] = card_titles(client.get(f"/?page={number}"))
        pages[number, "queries"] = len(queries)
    assert pages[1] + pages[2] + pages[3] == newest
    # Page 3 starts a run of its own: one query more than page 2, for its ids.
    assert pages[3, "queries"] == pages[2, "queries"] + 1


@override_settings(CACHE_PAGES=False, CACHE_AGGREGATES=False)
def test_with_nothing_kept_a_page_reads_only_its_own_ids(client, beat):
    """A run of ten pages' ids is read to be kept; with nothing kept, each page
    reads its own twenty, which for a rare tag is a tenth of the walk."""
    ArticleFactory.create_batch(44, tags=[beat["tag"]])
    newest = [a.title for a in Article.objects.published()]
    with CaptureQueriesContext(connection) as queries:
        titles = card_titles(client.get("/?page=2"))
    assert titles == newest[20:40]
    pages = [
        q["sql"]
        for q in queries
        if q["sql"].startswith('SELECT "articles_article"."id" AS "pk"') and "LIMIT" in q["sql"]
    ]
    assert len(pages) == 1 and pages[0].endswith("LIMIT 20 OFFSET 20"), pages


def test_a_reader_finds_a_scheduled_article_due_without_writing(transactional_db):
    """The version after a scheduled article comes due is derived by every
    process alike: a reader's request writes nothing, and so never waits on
    (or fails behind) an editor who holds the write lock."""
    from articles.caching import data_state
    from articles.models import DataVersion

    now = timezone.now()
    due, later = now - datetime.timedelta(seconds=5), now + datetime.timedelta(hours=1)
    ArticleFactory(publish_at=due, published_at=None)
    ArticleFactory(publish_at=later, published_at=None)
    before = data_state()
    # As the row was when the first article was still to come.
    DataVersion.objects.update(next_due=due.timestamp())
    cache.clear()

    with CaptureQueriesContext(connection) as queries:
        after = data_state()
    written = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert written == [] and not any("FOR UPDATE" in q["sql"] for q in queries)
    assert after.token != before.token
    assert after.next_due == later.timestamp()
    assert after.changed_at >= math.ceil(due.timestamp())
    cache.clear()
    assert data_state() == after, "every process derives the same version"
