"""A tag or an outlet that no public article has is not the public's to see:
its name may be a scoop's. It is a 404, on no index, sitemap or filter."""

import datetime

import pytest
from django.utils import timezone

from articles.models import Article, ArticleStatus
from tests.factories import ArticleFactory, SourceFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def newsroom(db):
    asylum = TagFactory(name="Asylum", slug="asylum")
    ArticleFactory(title="Roxham Road closes", source=SourceFactory(slug="cbc"), tags=[asylum])


def _private_tag_and_outlet():
    """A tag and an outlet that only drafts have, as the desk prepares a scoop."""
    tag = TagFactory(name="Secret inquiry", slug="secret-inquiry")
    outlet = SourceFactory(name="Secret source", slug="secret-source")
    ArticleFactory(status=ArticleStatus.DRAFT, source=outlet, tags=[tag])
    ArticleFactory(
        source=outlet, tags=[tag], publish_at=timezone.now() + datetime.timedelta(days=1)
    )
    return tag, outlet


PUBLIC_PAGES = ["/", "/tags/", "/sources/", "/sitemap.xml", "/feed/atom/", "/tags/asylum/"]


def test_a_tag_or_outlet_of_drafts_alone_is_nowhere_in_public(client, newsroom):
    _private_tag_and_outlet()
    assert client.get("/tags/secret-inquiry/").status_code == 404
    assert client.get("/sources/secret-source/").status_code == 404
    for url in PUBLIC_PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "secret" not in response.text.lower(), url


@pytest.mark.parametrize("filters", ["tag=secret-inquiry", "source=secret-source"])
@pytest.mark.parametrize("url", ["/", "/feed/rss/", "/export.csv"])
def test_filtering_by_a_private_tag_or_outlet_is_as_by_an_unknown_one(
    client, newsroom, url, filters
):
    _private_tag_and_outlet()
    response = client.get(f"{url}?{filters}")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 400
    assert b"Select a valid choice" in body
    assert b"Secret" not in body


def test_a_tag_or_outlet_shows_once_it_has_a_public_article(client, newsroom):
    _, outlet = _private_tag_and_outlet()
    Article.objects.filter(source=outlet, status=ArticleStatus.DRAFT).update(
        status=ArticleStatus.PUBLISHED
    )
    assert client.get("/tags/secret-inquiry/").status_code == 200
    assert client.get("/sources/secret-source/").status_code == 200
    assert 'href="/tags/secret-inquiry/"' in client.get("/tags/").text
    assert 'href="/sources/secret-source/"' in client.get("/sources/").text
    sitemap = client.get("/sitemap.xml").text
    assert "/tags/secret-inquiry/" in sitemap and "/sources/secret-source/" in sitemap


def test_the_country_of_an_outlet_of_drafts_alone_is_not_offered(client, newsroom):
    secret = SourceFactory(name="Secret source", slug="secret-source", country="ER")
    ArticleFactory(status=ArticleStatus.DRAFT, source=secret)
    page = client.get("/").text
    assert 'value="CA"' in page
    assert 'value="ER"' not in page and "Eritrea" not in page
