import datetime
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import ArticleStatus
from tests.cards import card_titles
from tests.factories import ArticleFactory, SourceFactory, TagFactory

pytestmark = pytest.mark.django_db

NON_PUBLIC = [ArticleStatus.DRAFT, ArticleStatus.REVIEW, ArticleStatus.ARCHIVED]


def test_list_shows_published_articles_newest_first(client):
    older = ArticleFactory(
        title="Older story", published_at=timezone.now() - datetime.timedelta(days=9)
    )
    newer = ArticleFactory(
        title="Newer story", published_at=timezone.now() - datetime.timedelta(days=1)
    )
    response = client.get("/")
    assert response.status_code == 200
    html = response.text
    assert html.index(newer.title) < html.index(older.title)
    assert "2 articles" in html


@pytest.mark.parametrize("status", NON_PUBLIC)
def test_non_public_articles_are_hidden_everywhere(client, status):
    tag = TagFactory()
    hidden = ArticleFactory(title="Hidden from readers", status=status, tags=[tag])
    ArticleFactory(source=hidden.source, tags=[tag])
    for url in ("/", hidden.source.get_absolute_url(), tag.get_absolute_url(), "/?q=Hidden"):
        assert "Hidden from readers" not in client.get(url).text
    assert client.get(hidden.get_absolute_url()).status_code == 404


def test_scheduled_article_is_hidden_until_its_time(client):
    article = ArticleFactory(
        title="Tomorrow's story", published_at=timezone.now() + datetime.timedelta(days=1)
    )
    assert "Tomorrow" not in client.get("/").text
    assert client.get(article.get_absolute_url()).status_code == 404


def test_unknown_article_is_404(client):
    response = client.get("/articles/no-such-story/")
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_empty_state(client):
    response = client.get("/")
    assert "Nothing has been published here yet" in response.text
    response = client.get("/?q=zebra")
    assert "No articles match" in response.text
    assert "0 articles" in response.text


def test_pagination_is_20_a_page_and_keeps_the_filters(client):
    tag = TagFactory(slug="asylum")
    ArticleFactory.create_batch(25, tags=[tag])
    ArticleFactory.create_batch(3)
    first = client.get("/?tag=asylum")
    assert first.context["page_obj"].paginator.count == 25
    assert len(first.context["page_obj"]) == 20
    assert 'href="?tag=asylum&amp;page=2"' in first.text
    second = client.get("/?tag=asylum&page=2")
    assert len(second.context["page_obj"]) == 5
    assert 'href="?tag=asylum&amp;page=1"' in second.text


@pytest.mark.parametrize("page", ["3", "0", "-1", "abc", "99999999999999999999"])
def test_page_out_of_range_is_404_not_500(client, page):
    ArticleFactory.create_batch(3)
    assert client.get(f"/?page={page}").status_code == 404


def test_detail_page_shows_everything_a_reader_needs(client):
    wire = SourceFactory(name="The Wire", kind="wire")
    tag = TagFactory(name="Roxham Road")
    article = ArticleFactory(
        title="Minister meets counterpart",
        byline="Desk Reporter",
        url="https://outlet.example/story",
        wire_service=wire,
        summary="Two ministers met in Washington.",
        body="<p>The <em>body</em> text.</p>",
        editor_note="A note from our desk.",
        tags=[tag],
        published_at=datetime.datetime(2023, 3, 7, 16, 8, tzinfo=datetime.UTC),
    )
    html = client.get(article.get_absolute_url()).text
    for expected in (
        "<h1>Minister meets counterpart</h1>",
        f'href="{article.source.get_absolute_url()}"',
        f'href="{wire.get_absolute_url()}"',
        "Desk Reporter",
        'href="https://outlet.example/story"',
        "Two ministers met in Washington.",
        "<p>The <em>body</em> text.</p>",
        "A note from our desk.",
        f'<a href="/tags/{tag.slug}/">Roxham Road</a>',
        # Shown in the newsroom's time zone, Toronto, 5 hours behind UTC in March.
        '<time datetime="2023-03-07T11:08:00-0500">7 March 2023, 11:08 EST</time>',
    ):
        assert expected in html


def test_plain_text_fields_are_escaped(client):
    article = ArticleFactory(
        title="<script>alert(1)</script>", summary="<b>bold?</b>", byline="<i>x</i>"
    )
    html = client.get(article.get_absolute_url()).text
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>bold?</b>" not in html


def test_detail_lists_up_to_five_related_published_articles(client):
    tag = TagFactory()
    article = ArticleFactory(tags=[tag])
    related = ArticleFactory.create_batch(6, tags=[tag])
    ArticleFactory(title="Related but draft", status=ArticleStatus.DRAFT, tags=[tag])
    response = client.get(article.get_absolute_url())
    assert len(response.context["related"]) == 5
    assert related[0].title in response.text
    assert "Related but draft" not in response.text


def test_source_index_counts_only_public_articles(client):
    source = SourceFactory(name="Daily Border")
    ArticleFactory.create_batch(2, source=source)
    ArticleFactory(source=source, status=ArticleStatus.DRAFT)
    SourceFactory(name="Dormant Outlet", is_active=False)
    response = client.get("/sources/")
    sources = {s.name: s.article_count for s in response.context["sources"]}
    assert sources == {"Daily Border": 2}


def test_source_page_lists_its_articles_and_takes_filters(client):
    source = SourceFactory(name="Daily Border")
    tag = TagFactory(slug="stca")
    mine = ArticleFactory(title="Ours with tag", source=source, tags=[tag])
    ArticleFactory(title="Ours without tag", source=source)
    ArticleFactory(title="Someone else's", tags=[tag])
    response = client.get(source.get_absolute_url())
    assert response.context["page_obj"].paginator.count == 2
    assert "Someone else" not in response.text
    assert "<title>Daily Border — 2 articles" in response.text
    filtered = client.get(source.get_absolute_url() + "?tag=stca")
    assert card_titles(filtered) == [mine.title]


def test_inactive_or_unknown_source_page_is_404(client):
    source = SourceFactory(is_active=False)
    assert client.get(source.get_absolute_url()).status_code == 404
    assert client.get("/sources/nope/").status_code == 404


def test_tag_index_and_page(client):
    used = TagFactory(name="Asylum")
    TagFactory(name="Unused")
    ArticleFactory.create_batch(3, tags=[used])
    ArticleFactory(tags=[used], status=ArticleStatus.ARCHIVED)
    index = client.get("/tags/")
    assert {t.name: t.article_count for t in index.context["tags"]} == {"Asylum": 3}
    page = client.get(used.get_absolute_url())
    assert page.context["page_obj"].paginator.count == 3
    assert "<title>Asylum — 3 articles" in page.text
    assert client.get("/tags/nope/").status_code == 404


def _query_count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _populate(n):
    tags = [TagFactory(slug=f"tag-{i}") if i == 0 else TagFactory() for i in range(3)]
    sources = [SourceFactory(slug="outlet-0") if i == 0 else SourceFactory() for i in range(2)]
    articles = [
        ArticleFactory(source=sources[i % 2], wire_service=sources[(i + 1) % 2], tags=tags)
        for i in range(n)
    ]
    return articles, tags, sources


@pytest.mark.parametrize("query", ["", "?q=story", "?tag=tag-0&source=outlet-0"])
def test_list_query_count_does_not_grow_with_rows(client, query):
    """Sources, wire services and tags of each card come in fixed queries, not one per row."""
    _, tags, sources = _populate(1)
    one = _query_count(client, "/" + query)
    for article in ArticleFactory.create_batch(19, source=sources[0], wire_service=sources[1]):
        article.tags.set(tags)
    twenty = _query_count(client, "/" + query)
    assert one == twenty


def test_detail_query_count_does_not_grow_with_tags_or_related(client):
    """Tags and related articles (with their outlets) are fetched once each."""
    small = ArticleFactory(tags=[TagFactory()])
    ArticleFactory(tags=list(small.tags.all()))
    one = _query_count(client, small.get_absolute_url())
    tags = TagFactory.create_batch(10)
    big = ArticleFactory(tags=tags)
    for _ in range(5):
        ArticleFactory(tags=tags, source=SourceFactory())
    assert _query_count(client, big.get_absolute_url()) == one


def test_an_article_page_reads_its_tags_once(client):
    """The tags shown and the related sidebar's tags are one read, not two."""
    article = ArticleFactory(tags=TagFactory.create_batch(3))
    ArticleFactory(tags=list(article.tags.all()))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    reads = [q for q in queries if 'INNER JOIN "articles_article_tags"' in q["sql"]]
    assert len([q for q in reads if 'FROM "articles_tag"' in q["sql"]]) == 1


def test_index_query_counts_do_not_grow_with_rows(client):
    """Per-source and per-tag counts come from one annotated query."""
    _populate(1)
    sources_one, tags_one = _query_count(client, "/sources/"), _query_count(client, "/tags/")
    for _ in range(5):
        ArticleFactory(tags=TagFactory.create_batch(2))
    assert _query_count(client, "/sources/") == sources_one
    assert _query_count(client, "/tags/") == tags_one


def test_tag_and_source_page_query_counts_do_not_grow_with_rows(client):
    _, tags, sources = _populate(1)
    tag_one = _query_count(client, tags[0].get_absolute_url())
    source_one = _query_count(client, sources[0].get_absolute_url())
    for article in ArticleFactory.create_batch(20, source=sources[0]):
        article.tags.set(tags)
    assert _query_count(client, tags[0].get_absolute_url()) == tag_one
    assert _query_count(client, sources[0].get_absolute_url()) == source_one


def test_pages_use_only_the_apps_own_static_files(client):
    ArticleFactory()
    html = client.get("/").text
    assert "/static/css/site.css" in html
    assert "http://" not in html.replace("http://testserver", "")
    assert 'src="https://' not in html and 'href="https://' not in html


def test_robots_and_health(client):
    robots = client.get("/robots.txt")
    assert robots.status_code == 200
    assert "Disallow: /admin/" in robots.text
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json() == {"database": "ok", "cache": "ok"}


def test_wire_service_stories_count_for_the_wire_too(client):
    """A Canadian Press story run by a local outlet is found under either name."""
    wire = SourceFactory(name="The Canadian Press", slug="cp", kind="wire")
    outlet = SourceFactory(name="Darpan", slug="darpan")
    story = ArticleFactory(title="Minister meets counterpart", source=outlet, wire_service=wire)
    ArticleFactory(title="Local story", source=outlet)
    counts = {s.name: s.article_count for s in client.get("/sources/").context["sources"]}
    assert counts == {"The Canadian Press": 1, "Darpan": 2}
    assert card_titles(client.get("/sources/cp/")) == [story.title]
    assert card_titles(client.get("/?source=cp")) == [story.title]
    assert client.get("/?source=darpan").context["page_obj"].paginator.count == 2


def test_sitemap_lists_public_pages_only(client):
    public = ArticleFactory(tags=[TagFactory(slug="stca")])
    draft = ArticleFactory(status=ArticleStatus.DRAFT)
    SourceFactory(slug="dormant", is_active=False)
    xml = client.get("/sitemap.xml").text
    assert f"<loc>http://testserver{public.get_absolute_url()}</loc>" in xml
    assert f"<loc>http://testserver{public.source.get_absolute_url()}</loc>" in xml
    assert "<loc>http://testserver/tags/stca/</loc>" in xml
    assert "<loc>http://testserver/</loc>" in xml
    assert draft.get_absolute_url() not in xml
    assert "/sources/dormant/" not in xml


def test_robots_points_to_the_sitemap(client):
    assert "Sitemap: http://testserver/sitemap.xml" in client.get("/robots.txt").text


def test_detail_page_carries_sharing_metadata_and_news_article_data(client):
    article = ArticleFactory(
        title="Minister </script><script>alert(1)</script> meets",
        summary="Two ministers met.",
        byline="Desk Reporter",
        url="https://outlet.example/story",
        tags=[TagFactory(name="Asylum")],
    )
    html = client.get(article.get_absolute_url()).text
    page = f"http://testserver{article.get_absolute_url()}"
    assert f'<link rel="canonical" href="{page}">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:title" content="Minister &lt;/script&gt;' in html
    assert '<meta name="twitter:card" content="summary">' in html
    (payload,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    data = json.loads(payload)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == article.title
    assert data["author"] == {"@type": "Person", "name": "Desk Reporter"}
    assert data["publisher"]["name"] == article.source.name
    assert data["isBasedOn"] == "https://outlet.example/story"
    assert data["keywords"] == ["Asylum"]
    assert "<script>alert" not in html


def test_page_titles_say_what_the_page_is(client):
    tag = TagFactory(name="Safe Third Country Agreement", slug="stca")
    ArticleFactory.create_batch(2, tags=[tag])
    assert "<title>Safe Third Country Agreement — 2 articles · Newsroom</title>" in (
        client.get("/tags/stca/").text
    )
    assert "<title>Safe Third Country Agreement — 2 articles · Newsroom</title>" in (
        client.get("/?tag=stca").text
    )
    assert "<title>“roxham” — 0 articles · Newsroom</title>" in client.get("/?q=roxham").text


def test_a_card_shows_its_outlet_wire_date_summary_and_tags(client):
    """What a card prints, made from values (articles/cards.py): the outlet and
    the wire service, the date in the newsroom's zone, the summary cut at 60
    words, the tags by name, and an undated article said to be so."""
    outlet = SourceFactory(name="Le Droit", slug="le-droit")
    wire = SourceFactory(name="Canadian Press", slug="cp")
    ArticleFactory(
        title="Wire story",
        source=outlet,
        wire_service=wire,
        published_at=datetime.datetime(2023, 3, 25, 3, 30, tzinfo=datetime.UTC),
        summary=" ".join(f"w{i}" for i in range(70)),
        tags=[
            TagFactory(name="Roxham Road", slug="roxham"),
            TagFactory(name="Asylum", slug="asylum"),
        ],
    )
    ArticleFactory(title="Undated story", source=outlet, published_at=None)
    html = client.get("/").text
    wired, undated = html.split('<article class="card">')[1:3]
    assert '<a href="/sources/le-droit/">Le Droit</a> · via Canadian Press' in wired
    # 03:30 UTC is the evening before in Toronto.
    assert '<time datetime="2023-03-24T23:30:00-0400">24 Mar 2023</time>' in wired
    assert " ".join(f"w{i}" for i in range(60)) + " …</p>" in wired
    assert re.findall(r'<li><a href="([^"]+)">([^<]+)</a></li>', wired) == [
        ("/tags/asylum/", "Asylum"),
        ("/tags/roxham/", "Roxham Road"),
    ]
    assert "Undated story" in undated and "date not given" in undated
