import datetime

import feedparser
import pytest
from django.utils import timezone

from articles.models import ArticleStatus
from tests.factories import ArticleFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def coverage(db):
    stca = TagFactory(name="Safe Third Country Agreement", slug="stca")
    now = timezone.now()
    tagged = [
        ArticleFactory(
            title=f"STCA story {i}",
            tags=[stca],
            summary=f"Summary {i} <b>not markup</b>",
            byline="Desk",
            published_at=now - datetime.timedelta(days=i),
        )
        for i in range(3)
    ]
    ArticleFactory(title="Other story", published_at=now - datetime.timedelta(hours=1))
    ArticleFactory(title="Draft story", status=ArticleStatus.DRAFT, tags=[stca])
    return tagged


@pytest.mark.parametrize("url", ["/feed/rss/", "/feed/atom/"])
def test_feeds_follow_the_same_filters_as_the_list(client, coverage, url):
    response = client.get(url + "?tag=stca")
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert [entry.title for entry in feed.entries] == [
        "STCA story 0",
        "STCA story 1",
        "STCA story 2",
    ]
    entry = feed.entries[0]
    assert entry.link == "http://testserver" + coverage[0].get_absolute_url()
    assert entry.author == "Desk"
    assert [t.term for t in entry.tags] == ["Safe Third Country Agreement"]
    assert "Safe Third Country Agreement" in feed.feed.title
    assert feed.feed.link.endswith("/?tag=stca")


@pytest.mark.parametrize("url", ["/feed/rss/", "/feed/atom/"])
def test_feeds_hold_the_newest_fifty_public_articles(client, coverage, url):
    ArticleFactory.create_batch(55)
    feed = feedparser.parse(client.get(url).content)
    assert not feed.bozo
    assert len(feed.entries) == 50
    assert "Draft story" not in {e.title for e in feed.entries}


@pytest.mark.parametrize("url", ["/feed/rss/", "/feed/atom/"])
def test_feed_with_bad_filters_says_why(client, coverage, url):
    response = client.get(url + "?published_after=soon")
    assert response.status_code == 400
    assert "Published on or after: Enter a valid date." in response.text


def test_list_pages_advertise_their_feeds(client, coverage):
    html = client.get("/?tag=stca").text
    assert '<link rel="alternate" type="application/rss+xml"' in html
    assert 'href="/feed/rss/?tag=stca"' in html
    assert 'href="/feed/atom/?tag=stca"' in html
    tag_page = client.get("/tags/stca/").text
    assert 'type="application/atom+xml"' in tag_page


@pytest.mark.parametrize("url", ["/feed/rss/", "/feed/atom/"])
def test_feeds_survive_text_xml_cannot_carry(client, url):
    ArticleFactory(title="Form\x0cfeed\x01 in a title", summary="Bell\x07", byline="\x1bDesk")
    response = client.get(url)
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo
    assert feed.entries[0].title == "Formfeed in a title"
