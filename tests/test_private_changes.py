"""A change the public cannot see shows nowhere in public: not on a page, not
in a validator (Last-Modified, ETag), not in a tag's or an outlet's name."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from articles.caching import data_state
from articles.models import Article, ArticleCopy, ArticleStatus, ImportRecord, Source
from tests.factories import ArticleFactory, SourceFactory, TagFactory, change_form

pytestmark = pytest.mark.django_db

# The public surfaces whose validators must move with the public data alone.
VALIDATED = ["/", "/export.csv", "/feed/rss/", "/tags/", "/sources/"]


@pytest.fixture
def newsroom(db):
    cbc = SourceFactory(name="CBC", slug="cbc")
    asylum = TagFactory(name="Asylum", slug="asylum")
    public = ArticleFactory(title="Roxham Road closes", source=cbc, tags=[asylum])
    draft = ArticleFactory(
        title="Scoop in the works", source=cbc, tags=[asylum], status=ArticleStatus.DRAFT
    )
    return {"source": cbc, "tag": asylum, "public": public, "draft": draft}


def validators() -> dict[str, tuple[str, str]]:
    """Each surface's Last-Modified and ETag, as an anonymous reader gets them."""
    reader = Client()
    found = {}
    for url in VALIDATED:
        response = reader.get(url)
        assert response.status_code == 200, url
        found[url] = (response["Last-Modified"], response.get("ETag", ""))
    return found


def _edit_in_the_admin(editor_client, draft):
    url = f"/admin/articles/article/{draft.pk}/change/"
    secret = TagFactory(name="Secret inquiry")
    response = editor_client.post(
        url, change_form(draft, title="Scoop, second draft", tags=[secret.pk])
    )
    assert response.status_code == 302, response.context["adminform"].form.errors


PRIVATE_CHANGES = {
    "draft_saved": lambda n, _: _saved(n["draft"], title="Scoop, second draft"),
    "draft_created": lambda n, _: ArticleFactory(status=ArticleStatus.DRAFT),
    "draft_in_review": lambda n, _: _saved(n["draft"], status=ArticleStatus.REVIEW),
    "draft_edited_in_the_admin": lambda n, c: _edit_in_the_admin(c, n["draft"]),
    "draft_tagged": lambda n, _: n["draft"].tags.add(TagFactory()),
    "tag_given_drafts": lambda n, _: TagFactory().articles.add(n["draft"]),
    "draft_deleted": lambda n, _: n["draft"].delete(),
    "draft_bulk_updated": lambda n, _: Article.objects.filter(pk=n["draft"].pk).update(
        title="Scoop, bulk"
    ),
    "draft_bulk_created": lambda n, _: Article.objects.bulk_create(
        [Article(title="Bulk draft", slug="bulk-draft", source=n["source"], status="draft")]
    ),
    "scheduled_article_saved": lambda n, _: ArticleFactory(
        publish_at=timezone.now() + datetime.timedelta(hours=3)
    ),
    "tag_created": lambda n, _: TagFactory(name="Secret inquiry"),
    "tag_of_drafts_renamed": lambda n, _: _tag_of_drafts_renamed(n["draft"]),
    "outlet_created": lambda n, _: SourceFactory(name="Secret source"),
    "outlet_polled": lambda n, _: _saved(
        n["source"], feed_polled_at=timezone.now(), update_fields=["feed_polled_at"]
    ),
    "copy_of_a_draft": lambda n, _: _copy(n["draft"]),
    "import_recorded": lambda n, _: ImportRecord.objects.create(
        origin=ImportRecord.Origin.URL, requested="https://outlet.example/scoop"
    ),
}


def _saved(instance, update_fields=None, **changes):
    for name, value in changes.items():
        setattr(instance, name, value)
    instance.save(update_fields=update_fields)


def _tag_of_drafts_renamed(draft):
    tag = TagFactory(name="Secret inquiry")
    draft.tags.add(tag)
    _saved(tag, name="Secret inquiry, renamed")


def _copy(article, source=None):
    return ArticleCopy.objects.create(
        article=article,
        source=source or SourceFactory(),
        url="https://copy.example/1",
        similarity=0.9,
    )


@pytest.mark.parametrize("change", PRIVATE_CHANGES)
def test_a_private_change_leaves_the_public_validators_as_they_were(
    newsroom, editor_client, change
):
    before = validators()
    PRIVATE_CHANGES[change](newsroom, editor_client)
    assert validators() == before


@pytest.mark.parametrize(
    "change",
    ["published_by_orm", "published_in_the_admin", "published_in_bulk", "unpublished", "retagged"],
)
def test_a_public_change_moves_them(newsroom, editor_client, change):
    before = validators()
    draft, public = newsroom["draft"], newsroom["public"]
    if change == "published_by_orm":
        _saved(draft, status=ArticleStatus.PUBLISHED)
    elif change == "published_in_the_admin":
        url = f"/admin/articles/article/{draft.pk}/change/"
        assert editor_client.post(url, change_form(draft, status="published")).status_code == 302
    elif change == "published_in_bulk":
        Article.objects.filter(pk=draft.pk).update(status=ArticleStatus.PUBLISHED)
    elif change == "unpublished":
        _saved(public, status=ArticleStatus.DRAFT)
    elif change == "retagged":
        public.tags.add(TagFactory())
    after = validators()
    assert all(after[url][0] != before[url][0] for url in VALIDATED), (before, after)


def test_a_scheduled_article_saved_still_ends_the_version_when_it_is_due(newsroom):
    """Its save changes no validator, but the data state knows when it comes due."""
    validators()
    due = timezone.now() + datetime.timedelta(hours=3)
    ArticleFactory(publish_at=due)
    assert data_state().next_due == due.timestamp()
    later = due - datetime.timedelta(hours=1)
    scheduled = Article.objects.get(publish_at=due)
    _saved(scheduled, publish_at=later)
    assert data_state().next_due == later.timestamp()


def test_a_copy_of_a_public_article_and_its_outlet_show_at_once(newsroom):
    page = newsroom["public"].get_absolute_url()
    outlet = SourceFactory(name="Copy Outlet")
    reader = Client()
    assert "Copy Outlet" not in reader.get(page).text
    copy = _copy(newsroom["public"], source=outlet)
    assert "Copy Outlet" in reader.get(page).text
    # The outlet has no article of its own: its copy is what the public sees of it.
    Source.objects.filter(pk=copy.source_id).update(name="Copy Outlet, renamed")
    assert "Copy Outlet, renamed" in reader.get(page).text
