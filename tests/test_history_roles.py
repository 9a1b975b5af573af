"""The history pages follow the roles: every role against every history URL of
every model, GET and POST (django-simple-history checks only "may view")."""

import pytest
from django.db import OperationalError
from django.forms import MultiWidget

from articles.models import Article, ArticleStatus, Source, Tag
from tests.factories import ArticleFactory, SourceFactory, TagFactory

pytestmark = pytest.mark.django_db

DRAFT, PUBLISHED, ARCHIVED = ArticleStatus.DRAFT, ArticleStatus.PUBLISHED, ArticleStatus.ARCHIVED


def posted(form, **changes) -> dict:
    """What a browser would post back for `form` as it was drawn, with `changes`."""
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        widget = getattr(field.widget, "widget", field.widget)  # the admin wraps some
        if isinstance(widget, MultiWidget):
            parts = widget.decompress(value) if not isinstance(value, list) else value
            for suffix, part in zip(widget.widgets_names, parts, strict=True):
                data[f"{name}{suffix}"] = "" if part is None else part
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        else:
            data[name] = "" if value is None else value
    data.update(changes)
    return data


def urls(model_name, obj):
    version = obj.history.order_by("history_date").first()
    base = f"/admin/articles/{model_name}/{obj.pk}/history/"
    return base, f"{base}{version.history_id}/"


def objects(people):
    """One object of each kind and ownership, each with two versions."""
    own_draft = ArticleFactory(status=DRAFT, title="Cory's draft", created_by=people["author"])
    own_published = ArticleFactory(title="Cory's published", created_by=people["author"])
    editors_draft = ArticleFactory(
        status=DRAFT,
        title="Confidential draft",
        editor_note="Embargoed until Friday",
        created_by=people["editor"],
    )
    source, tag = SourceFactory(name="Outlet before"), TagFactory(name="Tag before")
    for obj, field in [
        (own_draft, "title"),
        (own_published, "title"),
        (editors_draft, "title"),
        (source, "name"),
        (tag, "name"),
    ]:
        setattr(obj, field, getattr(obj, field) + ", edited")
        obj.save()
    return {
        "own draft": ("article", own_draft),
        "own published": ("article", own_published),
        "editor's draft": ("article", editors_draft),
        "source": ("source", source),
        "tag": ("tag", tag),
    }


# What each role gets from (history list GET, version GET, version POST).
EXPECTED = {
    ("editor", "own draft"): (200, 200, 302),
    ("editor", "own published"): (200, 200, 302),
    ("editor", "editor's draft"): (200, 200, 302),
    ("editor", "source"): (200, 200, 302),
    ("editor", "tag"): (200, 200, 302),
    # The author: their own work while it is a draft; a published article is
    # theirs to read, no longer to change.
    ("author", "own draft"): (200, 200, 302),
    ("author", "own published"): (200, 200, 403),
    ("author", "editor's draft"): (404, 404, 404),
    ("author", "source"): (200, 200, 403),
    ("author", "tag"): (200, 200, 403),
    # Another contributor sees none of it, and learns nothing of it.
    ("other", "own draft"): (404, 404, 404),
    ("other", "own published"): (404, 404, 404),
    ("other", "editor's draft"): (404, 404, 404),
    ("other", "source"): (200, 200, 403),
    ("other", "tag"): (200, 200, 403),
}


@pytest.mark.parametrize(("role", "what"), sorted(EXPECTED))
def test_every_history_url_follows_the_roles(client, people, role, what):
    model_name, obj = objects(people)[what]
    history_url, version_url = urls(model_name, obj)
    # The form as an editor would post it back, restoring the first version.
    client.force_login(people["editor"])
    data = posted(client.get(version_url).context["adminform"].form)
    model = {"article": Article, "source": Source, "tag": Tag}[model_name]
    before = model.objects.filter(pk=obj.pk).values().get()

    client.force_login(people[role])
    got = (
        client.get(history_url).status_code,
        client.get(version_url).status_code,
        client.post(version_url, data).status_code,
    )

    assert got == EXPECTED[(role, what)]
    after = model.objects.filter(pk=obj.pk).values().get()
    if got[2] == 302:
        assert after != before
    else:
        assert after == before, "a refused revert changed the row"


@pytest.mark.parametrize("what", ["own draft", "editor's draft", "source"])
def test_history_pages_send_anonymous_readers_to_the_login(client, people, what):
    model_name, obj = objects(people)[what]
    for url in urls(model_name, obj):
        assert client.get(url).status_code == 302
        assert client.post(url, {"title": "x"}).status_code == 302
    assert "Confidential" not in client.get(urls(model_name, obj)[1]).text


def test_another_users_draft_shows_nothing_through_its_history(client, people):
    _, draft = objects(people)["editor's draft"]
    client.force_login(people["author"])
    for url in urls("article", draft):
        response = client.get(url)
        assert "Embargoed" not in response.text and "Confidential" not in response.text


def test_a_revert_keeps_the_status_and_goes_through_the_workflow(client, people):
    """An archived article whose old version was published stays archived: a
    version's status is no way back onto the public site."""
    editor = people["editor"]
    article = ArticleFactory(title="Published headline", created_by=editor)
    first_published = article.first_published_at
    article.transition(ARCHIVED, user=editor)
    _, version_url = urls("article", article)
    client.force_login(editor)

    form = client.get(version_url).context["adminform"].form
    assert form["status"].value() == ARCHIVED, "the revert form keeps the current status"
    assert form["title"].value() == "Published headline", "and shows the old version's text"
    crafted = client.post(version_url, posted(form, status=PUBLISHED))

    assert crafted.status_code == 200, "published is no move from archived"
    article.refresh_from_db()
    assert article.status == ARCHIVED
    assert not Article.objects.published().filter(pk=article.pk).exists()

    client.post(version_url, posted(form, title="Restored headline"))
    article.refresh_from_db()
    assert (article.title, article.status) == ("Restored headline", ARCHIVED)
    assert article.first_published_at == first_published
    latest = article.history.first()
    assert latest.history_user == editor
    assert latest.history_change_reason.startswith("Reverted to the version of ")


def test_a_status_change_on_revert_is_a_recorded_transition(client, people):
    editor = people["editor"]
    article = ArticleFactory(status=DRAFT, title="Old headline", created_by=people["author"])
    article.title = "New headline"
    article.save()
    _, version_url = urls("article", article)
    client.force_login(editor)
    form = client.get(version_url).context["adminform"].form

    response = client.post(version_url, posted(form, status=PUBLISHED))

    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.title, article.status) == ("Old headline", PUBLISHED)
    assert article.status_changed_by == editor
    assert article.first_published_at is not None


def test_a_deleted_articles_history_is_for_editors_only(client, people):
    article = ArticleFactory(status=DRAFT, created_by=people["author"])
    history_url, version_url = urls("article", article)
    article.delete()
    client.force_login(people["author"])
    assert client.get(history_url).status_code == 404
    assert client.get(version_url).status_code == 404
    client.force_login(people["editor"])
    assert client.get(history_url).status_code == 200
    assert client.get(version_url).status_code == 200


@pytest.mark.parametrize("role", ["editor", "author"])
@pytest.mark.parametrize("tail", ["abc/history/", "abc/history/1/", "{pk}/history/abc/"])
def test_a_history_address_with_an_id_that_is_no_number_is_not_found(client, people, role, tail):
    own = ArticleFactory(status=DRAFT, created_by=people["author"])
    client.force_login(people[role])
    assert client.get("/admin/articles/article/" + tail.format(pk=own.pk)).status_code == 404
    assert client.get("/admin/articles/tag/abc/history/").status_code == 404


def test_a_revert_brings_back_the_tags_the_version_had(client, people):
    editor = people["editor"]
    asylum, border = TagFactory(name="Asylum"), TagFactory(name="Border")
    article = ArticleFactory(status=DRAFT, created_by=editor)
    article.tags.set([asylum])
    tagged = article.history.first()  # the version with Asylum
    article.tags.set([border])
    client.force_login(editor)
    url = f"/admin/articles/article/{article.pk}/history/{tagged.history_id}/"

    form = client.get(url).context["adminform"].form
    assert form["tags"].value() == [asylum.pk]
    assert client.post(url, posted(form)).status_code == 302
    assert list(article.tags.all()) == [asylum]


def test_a_revert_that_fails_midway_writes_nothing(client, people, monkeypatch):
    """Like Django's own change form, a revert is saved in one transaction: a
    failure after the row is written (as SQLite's "database is locked" while an
    import holds the write lock) leaves the article, its tags and its history
    as they were."""
    import articles.admin

    editor = people["editor"]
    old, new = TagFactory(name="Old"), TagFactory(name="New")
    article = ArticleFactory(status=DRAFT, created_by=editor, body="<p>Old body</p>")
    article.tags.set([old])
    version = article.history.first()
    article.body = "<p>New body</p>"
    article.save()
    article.tags.set([new])
    versions = article.history.count()
    url = f"/admin/articles/article/{article.pk}/history/{version.history_id}/"
    client.force_login(editor)
    data = posted(client.get(url).context["adminform"].form)

    def locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(articles.admin, "story_fingerprint_store", locked)
    client.raise_request_exception = False
    assert client.post(url, data).status_code == 500
    article.refresh_from_db()
    assert article.body == "<p>New body</p>"
    assert list(article.tags.all()) == [new]
    assert article.history.count() == versions


def test_a_deleted_objects_history_offers_no_revert(client, people):
    tag = TagFactory(name="Gone")
    history_url, _ = urls("tag", tag)
    tag.delete()
    client.force_login(people["editor"])
    response = client.get(history_url)
    assert response.status_code == 200 and response.context["revert_disabled"]
