"""Roles, transitions, scheduling, preview, corrections and history."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from articles.models import Article, ArticleStatus
from tests.factories import (
    ArticleFactory,
    SourceFactory,
    TagFactory,
    UserFactory,
    change_form,
)

pytestmark = pytest.mark.django_db

DRAFT, REVIEW, PUBLISHED, ARCHIVED = (
    ArticleStatus.DRAFT,
    ArticleStatus.REVIEW,
    ArticleStatus.PUBLISHED,
    ArticleStatus.ARCHIVED,
)
LIST_URL = "/admin/articles/article/"


def member(group: str, username: str):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def editor(db):
    return member("Editors", "ed")


@pytest.fixture
def contributor(db):
    return member("Contributors", "cory")


@pytest.fixture
def other_contributor(db):
    return member("Contributors", "olive")


def logged_in(client, user):
    client.force_login(user)
    return client


# --- The model: who may move an article where ------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "author_may", "editor_may"),
    [
        (DRAFT, REVIEW, True, True),
        (REVIEW, DRAFT, True, True),
        (DRAFT, PUBLISHED, False, True),
        (REVIEW, PUBLISHED, False, True),
        (PUBLISHED, ARCHIVED, False, True),
        (PUBLISHED, DRAFT, False, True),
        (ARCHIVED, DRAFT, False, True),
        (DRAFT, ARCHIVED, False, False),
        (REVIEW, ARCHIVED, False, False),
        (ARCHIVED, PUBLISHED, False, False),
        (PUBLISHED, REVIEW, False, False),
    ],
)
def test_transitions_by_role(
    contributor, editor, other_contributor, start, end, author_may, editor_may
):
    article = ArticleFactory(status=start, created_by=contributor)
    assert article.can_transition(end, user=contributor) is author_may
    assert article.can_transition(end, user=editor) is editor_may
    assert article.can_transition(end, user=other_contributor) is False
    if not author_may:
        with pytest.raises(PermissionDenied):
            article.transition(end, user=contributor)
        article.refresh_from_db()
        assert article.status == start


def test_a_transition_records_who_and_when_and_keeps_the_first_publication(editor):
    article = ArticleFactory(status=DRAFT)
    article.transition(PUBLISHED, user=editor)
    first = article.first_published_at
    assert (article.status, article.status_changed_by, article.updated_by) == (
        PUBLISHED,
        editor,
        editor,
    )
    assert first is not None and article.status_changed_at == first
    article.transition(DRAFT, user=editor)
    article.transition(PUBLISHED, user=editor)
    article.refresh_from_db()
    assert article.first_published_at == first
    assert article.status_changed_at > first


def test_an_anonymous_or_unprivileged_user_moves_nothing(user):
    article = ArticleFactory(status=DRAFT, created_by=user)
    assert not article.can_transition(REVIEW, user=user)  # no change permission


# --- The admin, for each role and action ----------------------------------------


def test_contributor_adds_a_draft_and_sends_it_to_review(client, contributor):
    source = SourceFactory()
    logged_in(client, contributor)
    new = ArticleFactory.build(source=source, status=DRAFT, slug="fresh", title="Fresh")
    response = client.post(LIST_URL + "add/", change_form(new, tags=[]))
    assert response.status_code == 302
    article = Article.objects.get(slug="fresh")
    assert (article.created_by, article.status) == (contributor, DRAFT)
    response = client.post(f"{LIST_URL}{article.pk}/change/", change_form(article, status=REVIEW))
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.status, article.status_changed_by) == (REVIEW, contributor)


@pytest.mark.parametrize("status", [PUBLISHED, ARCHIVED])
def test_contributor_cannot_publish_or_archive_with_a_crafted_form(client, contributor, status):
    article = ArticleFactory(status=REVIEW, created_by=contributor)
    logged_in(client, contributor)
    response = client.post(f"{LIST_URL}{article.pk}/change/", change_form(article, status=status))
    assert response.status_code == 200
    assert "Select a valid choice" in str(response.context["adminform"].form.errors["status"])
    article.refresh_from_db()
    assert article.status == REVIEW


def test_contributor_cannot_create_an_article_already_published(client, contributor):
    logged_in(client, contributor)
    new = ArticleFactory.build(source=SourceFactory(), status=PUBLISHED, slug="sneaky")
    response = client.post(LIST_URL + "add/", change_form(new, tags=[]))
    assert response.status_code == 200
    assert not Article.objects.filter(slug="sneaky").exists()


@pytest.mark.parametrize("action", ["make_published", "make_archived"])
def test_contributor_cannot_publish_or_archive_with_a_crafted_bulk_action(
    client, contributor, action
):
    article = ArticleFactory(status=REVIEW, created_by=contributor)
    logged_in(client, contributor)
    client.post(LIST_URL, {"action": action, "_selected_action": [article.pk]})
    article.refresh_from_db()
    assert article.status == REVIEW


def test_contributor_cannot_schedule(client, contributor):
    article = ArticleFactory(status=DRAFT, created_by=contributor)
    logged_in(client, contributor)
    data = change_form(article, publish_at_0="2030-01-01", publish_at_1="08:00:00")
    assert client.post(f"{LIST_URL}{article.pk}/change/", data).status_code == 302
    article.refresh_from_db()
    assert article.publish_at is None


def test_contributor_cannot_edit_their_published_article(client, contributor):
    article = ArticleFactory(status=PUBLISHED, created_by=contributor, title="As published")
    logged_in(client, contributor)
    response = client.post(f"{LIST_URL}{article.pk}/change/", change_form(article, title="Changed"))
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.title == "As published"


def test_contributor_cannot_see_or_touch_others_work(client, contributor, other_contributor):
    theirs = ArticleFactory(status=DRAFT, created_by=other_contributor, title="Not yours")
    logged_in(client, contributor)
    assert "Not yours" not in client.get(LIST_URL).text
    response = client.post(f"{LIST_URL}{theirs.pk}/change/", change_form(theirs, title="Mine now"))
    assert response.status_code in (302, 403, 404)
    client.post(LIST_URL, {"action": "make_review", "_selected_action": [theirs.pk]})
    theirs.refresh_from_db()
    assert (theirs.title, theirs.status) == ("Not yours", DRAFT)


def test_contributor_cannot_delete(client, contributor):
    article = ArticleFactory(status=DRAFT, created_by=contributor)
    logged_in(client, contributor)
    assert client.post(f"{LIST_URL}{article.pk}/delete/", {"post": "yes"}).status_code == 403
    client.post(
        LIST_URL, {"action": "delete_selected", "_selected_action": [article.pk], "post": "yes"}
    )
    assert Article.objects.filter(pk=article.pk).exists()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/articles/source/add/",
        "/admin/articles/tag/add/",
        "/admin/articles/importrecord/import/",
    ],
)
def test_contributor_cannot_change_sources_tags_or_import(client, contributor, url):
    logged_in(client, contributor)
    assert (
        client.post(url, {"name": "New", "slug": "new", "url": "https://x.example/"}).status_code
        == 403
    )


def test_contributor_can_pick_sources_and_tags(client, contributor):
    TagFactory(name="Asylum")
    logged_in(client, contributor)
    response = client.get(
        "/admin/autocomplete/",
        {"app_label": "articles", "model_name": "article", "field_name": "tags", "term": "asy"},
    )
    assert [r["text"] for r in response.json()["results"]] == ["Asylum"]


def test_editor_does_everything(client, editor, contributor):
    theirs = ArticleFactory(status=REVIEW, created_by=contributor)
    logged_in(client, editor)
    response = client.post(f"{LIST_URL}{theirs.pk}/change/", change_form(theirs, status=PUBLISHED))
    assert response.status_code == 302
    theirs.refresh_from_db()
    assert (theirs.status, theirs.status_changed_by) == (PUBLISHED, editor)
    client.post(LIST_URL, {"action": "make_archived", "_selected_action": [theirs.pk]})
    theirs.refresh_from_db()
    assert theirs.status == ARCHIVED
    assert client.post(f"{LIST_URL}{theirs.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not Article.objects.filter(pk=theirs.pk).exists()


def test_bulk_publish_leaves_what_it_may_not_move_and_says_so(client, editor):
    drafts = ArticleFactory.create_batch(2, status=DRAFT)
    archived = ArticleFactory(status=ARCHIVED, title="Old archive")
    logged_in(client, editor)
    ids = [a.pk for a in [*drafts, archived]]
    response = client.post(
        LIST_URL, {"action": "make_published", "_selected_action": ids}, follow=True
    )
    assert "2 articles are now published." in response.text
    assert "1 article was left as it was: Old archive." in response.text
    archived.refresh_from_db()
    assert archived.status == ARCHIVED


# --- Scheduling, preview and corrections -------------------------------------------


@pytest.fixture
def scheduled(db):
    tag = TagFactory(slug="stca")
    return ArticleFactory(
        title="Tomorrow scheduled story",
        slug="scheduled",
        tags=[tag],
        status=PUBLISHED,
        publish_at=timezone.now() + datetime.timedelta(hours=2),
    )


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/?tag=stca",
        "/tags/stca/",
        "/feed/rss/",
        "/feed/atom/",
        "/export.csv",
        "/export.json",
        "/sitemap.xml",
    ],
)
def test_a_scheduled_article_stays_off_every_public_surface(client, scheduled, url):
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"scheduled" not in body.replace(b"scheduled to", b"")


def test_a_scheduled_article_appears_when_its_time_comes_without_a_job(client, scheduled):
    assert client.get("/articles/scheduled/").status_code == 404
    Article.objects.filter(pk=scheduled.pk).update(
        publish_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert client.get("/articles/scheduled/").status_code == 200
    assert "Tomorrow scheduled story" in client.get("/").text


def test_staff_preview_a_draft_under_a_banner_and_the_public_gets_404(client, editor, contributor):
    draft = ArticleFactory(status=DRAFT, created_by=contributor, title="Work in progress")
    assert client.get(draft.get_absolute_url()).status_code == 404
    for user in (editor, contributor):
        response = logged_in(client, user).get(draft.get_absolute_url())
        assert response.status_code == 200
        assert "Preview, not published." in response.text
        assert '<meta name="robots" content="noindex, nofollow">' in response.text
        assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
        client.logout()
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_a_contributor_does_not_preview_others_drafts(client, contributor, other_contributor):
    draft = ArticleFactory(status=DRAFT, created_by=other_contributor)
    assert logged_in(client, contributor).get(draft.get_absolute_url()).status_code == 404


def test_a_published_page_has_no_preview_banner(client, editor):
    article = ArticleFactory(status=PUBLISHED)
    assert (
        "Preview, not published"
        not in logged_in(client, editor).get(article.get_absolute_url()).text
    )


def test_a_correction_and_the_update_time_show_on_the_page(client, editor):
    article = ArticleFactory(status=DRAFT, summary="Two ministers met on Monday.")
    article.transition(PUBLISHED, user=editor)
    assert "Updated" not in client.get(article.get_absolute_url()).text
    Article.objects.filter(pk=article.pk).update(
        first_published_at=timezone.now() - datetime.timedelta(days=1)
    )
    article.refresh_from_db()
    article.summary = "Two ministers met on Tuesday."
    article.correction = "An earlier version gave the wrong day of the meeting."
    article.save()
    html = client.get(article.get_absolute_url()).text
    assert "An earlier version gave the wrong day of the meeting." in html
    assert 'class="meta updated">Updated' in html


# --- History --------------------------------------------------------------------------


def test_every_change_is_kept_with_who_made_it(client, editor):
    article = ArticleFactory(status=DRAFT, title="First headline")
    logged_in(client, editor)
    client.post(f"{LIST_URL}{article.pk}/change/", change_form(article, title="Second headline"))
    latest = article.history.first()
    assert (latest.title, latest.history_user) == ("Second headline", editor)
    page = client.get(f"{LIST_URL}{article.pk}/history/")
    assert page.status_code == 200
    assert "First headline" in page.text and "Second headline" in page.text


def test_one_click_revert_restores_an_earlier_version(client, editor):
    article = ArticleFactory(status=DRAFT, title="Right headline")
    logged_in(client, editor)
    client.post(f"{LIST_URL}{article.pk}/change/", change_form(article, title="Wrong headline"))
    first = article.history.order_by("history_date").first()
    url = f"{LIST_URL}{article.pk}/history/{first.history_id}/"
    form = client.get(url)
    assert form.status_code == 200 and "Revert" in form.text
    response = client.post(url, change_form(article, title="Right headline"))
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "Right headline"
    assert article.history.count() == 3


def test_sources_and_tags_have_history_too(editor):
    source = SourceFactory(name="Old name")
    source.name = "New name"
    source.save()
    tag = TagFactory(name="Asylum")
    tag.aliases = "Refuge"
    tag.save()
    assert [h.name for h in source.history.all()] == ["New name", "Old name"]
    assert [h.aliases for h in tag.history.all()] == ["Refuge", ""]


def test_the_import_button_is_offered_only_to_those_who_may_import(client, editor, contributor):
    assert "Import</a>" in logged_in(client, editor).get(LIST_URL).text
    assert "Import</a>" not in logged_in(client, contributor).get(LIST_URL).text
