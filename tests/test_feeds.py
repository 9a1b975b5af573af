import datetime
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

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


ATOM = "{http://www.w3.org/2005/Atom}"


class _Reader(HTMLParser):
    """What a feed reader makes of HTML: the text it shows, the elements it builds."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text, self.elements = [], []

    def handle_starttag(self, tag, attrs):
        self.elements.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def shown(text: str, kind: str) -> tuple[str, list[str]]:
    """A feed's text of this kind ("text" or "html") as a reader shows it."""
    if kind == "text":
        return text, []
    reader = _Reader()
    reader.feed(text)
    reader.close()
    return "".join(reader.text), reader.elements


def shown_summaries(url: str, content: bytes) -> list[tuple[str, list[str]]]:
    root = ET.fromstring(content)
    if url == "/feed/rss/":
        # RSS says nothing of its type: readers take a description for HTML.
        return [shown(item.findtext("description"), "html") for item in root.iter("item")]
    return [
        shown(summary.text, summary.get("type", "text"))
        for summary in (entry.find(f"{ATOM}summary") for entry in root.iter(f"{ATOM}entry"))
    ]


@pytest.mark.parametrize("url", ["/feed/rss/", "/feed/atom/"])
def test_a_summary_reaches_readers_as_the_plain_text_it_is(client, url):
    """A summary is plain text: one that mentions tags shows them as written,
    and a reader builds no element from it, let alone runs a script."""
    summary = "Ottawa <b>bold</b> <script>alert(1)</script> & more"
    ArticleFactory(summary=summary)
    response = client.get(url)
    assert response.status_code == 200
    assert shown_summaries(url, response.content) == [(summary, [])]
