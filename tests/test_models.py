import datetime

import pytest
from django.core import serializers
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from articles.models import Article, ArticleStatus, Source, Tag, Tally, common_tags
from articles.tallies import tallies_rebuild
from tests.factories import ArticleFactory, SourceFactory, TagFactory

pytestmark = pytest.mark.django_db

EVIL = '<p onclick="alert(1)">Hi</p><script>alert(2)</script>'
CLEAN = "<p>Hi</p>"


def test_body_is_sanitized_on_save():
    article = ArticleFactory(body=EVIL)
    assert article.body == CLEAN
    article.refresh_from_db()
    assert article.body == CLEAN


def test_body_is_sanitized_by_bulk_create_and_update():
    source = SourceFactory()
    (bulk,) = Article.objects.bulk_create([Article(title="B", slug="b", source=source, body=EVIL)])
    assert Article.objects.get(pk=bulk.pk).body == CLEAN
    Article.objects.filter(pk=bulk.pk).update(body=EVIL + "<p>again</p>")
    assert Article.objects.get(pk=bulk.pk).body == CLEAN + "<p>again</p>"


def test_body_is_sanitized_when_loaded_from_a_fixture():
    source = SourceFactory()
    data = serializers.serialize(
        "json",
        [
            Article(
                pk=990,
                title="F",
                slug="f",
                source=source,
                created_at=timezone.now(),
                updated_at=timezone.now(),
            )
        ],
    )
    data = data.replace('"body": ""', '"body": "<img src=x onerror=alert(1)>"')
    for obj in serializers.deserialize("json", data):
        obj.save()
    assert Article.objects.get(pk=990).body == '<img src="x">'


def test_slug_is_made_from_the_title_and_kept_unique():
    source = SourceFactory()
    first = Article.objects.create(title="Roxham Road closes", source=source)
    second = Article.objects.create(title="Roxham Road closes", source=source)
    assert first.slug == "roxham-road-closes"
    assert second.slug == "roxham-road-closes-2"


def test_url_is_unique_when_given_and_may_be_empty_many_times():
    ArticleFactory(url="")
    ArticleFactory(url="")
    ArticleFactory(url="https://news.example/a")
    with pytest.raises(IntegrityError), transaction.atomic():
        ArticleFactory(url="https://news.example/a")


def test_duplicate_url_is_a_validation_error_not_a_crash():
    existing = ArticleFactory(url="https://news.example/a")
    duplicate = Article(title="x", slug="x", source=existing.source, url=existing.url)
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "original URL already exists" in str(error.value)


def test_tag_names_are_unique_whatever_their_case():
    TagFactory(name="Asylum")
    with pytest.raises(ValidationError) as error:
        Tag(name="ASYLUM", slug="asylum-2").full_clean()
    assert "already exists" in str(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        Tag.objects.create(name="asylum", slug="asylum-3")


def test_status_outside_the_choices_is_refused_by_the_database():
    article = ArticleFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=article.pk).update(status="deleted")


def test_source_kind_outside_the_choices_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.create(name="X", slug="x", kind="tabloid")


def test_unknown_language_is_a_validation_error():
    article = ArticleFactory.build(source=SourceFactory(), language="xx")
    with pytest.raises(ValidationError) as error:
        article.full_clean()
    assert "language" in error.value.message_dict


def test_wire_service_cannot_be_the_outlet_itself():
    source = SourceFactory()
    article = ArticleFactory.build(source=source, wire_service=source)
    with pytest.raises(ValidationError) as error:
        article.full_clean()
    assert "wire_service" in error.value.message_dict


def test_a_source_with_articles_cannot_be_deleted():
    article = ArticleFactory()
    with pytest.raises(Exception, match="protected"), transaction.atomic():
        article.source.delete()


def test_published_shows_only_published_articles_whose_time_has_come():
    now = timezone.now()
    visible = ArticleFactory(published_at=now - datetime.timedelta(hours=1))
    undated = ArticleFactory(published_at=None)
    ArticleFactory(published_at=now + datetime.timedelta(days=1))
    for status in (ArticleStatus.DRAFT, ArticleStatus.REVIEW, ArticleStatus.ARCHIVED):
        ArticleFactory(status=status)
    assert set(Article.objects.published()) == {visible, undated}


def test_newest_first_with_undated_articles_last():
    now = timezone.now()
    old = ArticleFactory(published_at=now - datetime.timedelta(days=30))
    undated = ArticleFactory(published_at=None)
    new = ArticleFactory(published_at=now - datetime.timedelta(days=1))
    assert list(Article.objects.published()) == [new, old, undated]


def test_related_articles_share_tags_and_are_published():
    asylum, roxham, other = TagFactory(), TagFactory(), TagFactory()
    article = ArticleFactory(tags=[asylum, roxham])
    both = ArticleFactory(tags=[asylum, roxham])
    one = ArticleFactory(tags=[asylum])
    ArticleFactory(tags=[other])
    ArticleFactory(tags=[asylum], status=ArticleStatus.DRAFT)
    assert list(Article.objects.published().related_to(article)) == [both, one]


def test_readable_str_and_urls():
    article = ArticleFactory(title="Minister meets counterpart", slug="minister-meets")
    tag = TagFactory(name="Asylum", slug="asylum")
    assert str(article) == "Minister meets counterpart"
    assert article.get_absolute_url() == "/articles/minister-meets/"
    assert str(article.source) == article.source.name
    assert article.source.get_absolute_url() == f"/sources/{article.source.slug}/"
    assert (str(tag), tag.get_absolute_url()) == ("Asylum", "/tags/asylum/")


CONTROL = "Roxham\x00 Road\x01\x0b\x1f\x7f\x9f closes\ud800\uffff"


def test_plain_text_is_stored_without_control_characters():
    tag = TagFactory(name="Roxham\x0c Road", description=CONTROL)
    source = SourceFactory(name="CBC\x02", description=CONTROL)
    article = ArticleFactory(
        title=CONTROL, byline=CONTROL, summary=CONTROL + "\nline two\ttab", editor_note=CONTROL
    )
    for obj in (tag, source, article):
        obj.refresh_from_db()
    assert (tag.name, source.name) == ("Roxham Road", "CBC")
    assert tag.description == source.description == "Roxham Road closes"
    assert article.title == article.byline == article.editor_note == "Roxham Road closes"
    # Tabs and line breaks are text.
    assert article.summary == "Roxham Road closes\nline two\ttab"


def test_control_characters_are_kept_out_by_bulk_create_and_update_too():
    source = SourceFactory()
    (article,) = Article.objects.bulk_create(
        [Article(title=CONTROL, slug="c", source=source, summary=CONTROL)]
    )
    assert Article.objects.get(pk=article.pk).title == "Roxham Road closes"
    Article.objects.filter(pk=article.pk).update(summary="A\x00B")
    assert Article.objects.get(pk=article.pk).summary == "AB"


def test_both_ways_of_finding_a_tags_articles_agree():
    """`tagged` walks the list for a common tag and looks the tag up for a rare
    one (on SQLite): the same articles, in the same order, either way."""
    asylum, other = TagFactory(), TagFactory()
    ArticleFactory.create_batch(3, tags=[asylum])
    ArticleFactory.create_batch(2, tags=[asylum, other])
    ArticleFactory.create_batch(2, tags=[other])
    ArticleFactory(tags=[asylum], status=ArticleStatus.DRAFT)
    published = Article.objects.published()
    walked = list(published.tagged(asylum, common=True))
    looked_up = list(published.tagged(asylum, common=False))
    assert walked == looked_up
    assert len(walked) == 5
    assert list(published.tagged(asylum)) == walked


@pytest.mark.skipif(connection.vendor != "sqlite", reason="a choice of plan for SQLite only")
@pytest.mark.parametrize("tallied", [True, False])
def test_a_tag_on_a_fiftieth_of_the_articles_is_common(
    settings, django_assert_num_queries, tallied
):
    """SQLite walks the list's index for such a tag (ArticleQuerySet.tagged):
    the share is read from the tallies in one query or, when there are none,
    counted in two more (the articles, the tags' links)."""
    settings.CACHE_AGGREGATES = False
    wide, narrow = TagFactory(), TagFactory()
    ArticleFactory.create_batch(97)
    ArticleFactory.create_batch(2, tags=[wide])
    ArticleFactory(tags=[narrow])
    if not tallied:
        Tally.objects.all().delete()
    try:
        assert Tally.objects.filter(scope="", facet="tag").exists() == tallied
        with django_assert_num_queries(1 if tallied else 3):
            assert common_tags([wide, narrow]) == {wide.pk}
    finally:
        tallies_rebuild()
