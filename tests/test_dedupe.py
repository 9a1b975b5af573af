import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import (
    Article,
    ArticleCopy,
    ArticleStatus,
    ImportStatus,
    StoryBand,
    StoryFingerprint,
)
from articles.services.dedupe import (
    SAME_STORY_THRESHOLD,
    story_bands,
    story_fingerprint,
    story_fingerprint_store,
    story_fingerprints_rebuild,
    story_match,
    story_similarity,
)
from articles.services.ingest import article_import_from_url
from tests.factories import ArticleFactory, SourceFactory
from tests.story_variants import story_pairs, story_text

PAIRS = list(story_pairs())


@pytest.mark.parametrize(("label", "a", "b", "same"), PAIRS, ids=[p[0] for p in PAIRS])
def test_threshold_separates_same_story_from_same_topic(label, a, b, same):
    """The test set the threshold was chosen on: every pair falls on its side."""
    score = story_similarity(story_fingerprint(text=a), story_fingerprint(text=b))
    assert (score >= SAME_STORY_THRESHOLD) is same, f"{label}: {score:.2f}"


def test_short_texts_are_never_called_the_same_story():
    assert story_fingerprint(text="Border talks resume in Ottawa on Monday.") is None
    assert story_match(fingerprint=None) is None


@pytest.mark.django_db
def test_a_wire_story_on_a_second_site_is_recorded_as_a_copy(site, client):
    first = article_import_from_url(url=site.page("/national/review", "wire_local.html"))
    html = site.page("/news/asylum-review", "wire_other.html")
    second = article_import_from_url(url=html.replace("127.0.0.1", "localhost"))
    assert second.status == ImportStatus.DUPLICATE, second.message
    assert second.article == first.article
    assert "Same story as" in second.message
    copy = ArticleCopy.objects.get()
    assert copy.article == first.article
    assert copy.title.startswith("Most asylum seekers at small Ontario crossing")
    assert copy.similarity >= SAME_STORY_THRESHOLD
    assert Article.objects.count() == 1
    assert (copy.source.name, copy.source.domain) == ("Harbour Times", "localhost")

    # Importing the copy's page again is a duplicate by URL, not a second copy.
    third = article_import_from_url(url=copy.url)
    assert third.status == ImportStatus.DUPLICATE and ArticleCopy.objects.count() == 1

    article = first.article
    Article.objects.filter(pk=article.pk).update(status=ArticleStatus.PUBLISHED)
    html = client.get(article.get_absolute_url()).text
    assert "Also published by" in html
    assert f'href="{copy.url}"' in html


@pytest.mark.django_db
def test_different_stories_on_the_same_topic_stay_apart(site):
    for path, page in (("/a", "wire_local.html"), ("/b", "jsonld_page.html")):
        assert article_import_from_url(url=site.page(path, page)).status == ImportStatus.DONE
    assert Article.objects.count() == 2 and not ArticleCopy.objects.exists()


@pytest.mark.django_db
def test_candidates_come_from_one_indexed_query(site):
    """However many articles there are, finding the same story costs the same queries."""
    from articles.services.dedupe import story_fingerprint_store
    from tests.factories import ArticleFactory

    fingerprint = story_fingerprint(text=story_text("treaty"))
    for name in ("ferry", "shelter", "caucus"):
        article = ArticleFactory()
        story_fingerprint_store(
            article=article, fingerprint=story_fingerprint(text=story_text(name))
        )
    with CaptureQueriesContext(connection) as queries:
        assert story_match(fingerprint=fingerprint) is None
    assert len(queries) == 1


@pytest.mark.django_db
def test_detail_query_count_does_not_grow_with_copies(client):
    """The other outlets' copies and their sources come in one query, not one per copy."""
    from tests.factories import ArticleFactory

    def queries(article):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(article.get_absolute_url()).status_code == 200
        return len(captured)

    lone = ArticleFactory()
    ArticleCopy.objects.create(
        article=lone, source=SourceFactory(), url="https://a.example/1", similarity=1
    )
    busy = ArticleFactory()
    for n in range(5):
        ArticleCopy.objects.create(
            article=busy, source=SourceFactory(), url=f"https://b.example/{n}", similarity=0.9
        )
    assert queries(busy) == queries(lone)


@pytest.mark.django_db
def test_an_article_typed_in_the_admin_is_found_by_a_later_import(editor_client, site):
    outlet = SourceFactory()
    body = "".join(f"<p>{p}</p>" for p in story_text("ferry").split("\n\n") if p.strip())
    response = editor_client.post(
        "/admin/articles/article/add/",
        {
            "title": "Typed in by an editor",
            "slug": "typed-in",
            "status": ArticleStatus.DRAFT,
            "source": outlet.pk,
            "language": "en",
            "body": body,
        },
    )
    assert response.status_code == 302
    record = article_import_from_url(url=site.page("/national/review", "wire_local.html"))
    assert record.status == ImportStatus.DUPLICATE
    assert record.article.title == "Typed in by an editor"


@pytest.mark.django_db
def test_rebuilt_fingerprints_find_the_same_story_and_replace_old_ones():
    """A bulk load (an archive's restore) fingerprints every article afresh."""
    source = SourceFactory()
    text = story_text("caucus")
    long_one = ArticleFactory(
        source=source, body="".join(f"<p>{p}</p>" for p in text.split("\n\n"))
    )
    short_one = ArticleFactory(source=source, body="<p>Too short to compare.</p>")
    story_fingerprint_store(
        article=long_one, fingerprint=story_fingerprint(text=story_text("ferry"))
    )

    stored = story_fingerprints_rebuild(articles=Article.objects.all())

    assert stored == 1
    assert not StoryFingerprint.objects.filter(article=short_one).exists()
    match = story_match(fingerprint=story_fingerprint(text=text))
    assert match is not None and match.article == long_one and match.score > 0.9
    assert StoryBand.objects.filter(fingerprint__article=long_one).count() == len(
        set(story_bands(story_fingerprint(text=text)))
    )
