import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article, ArticleStatus
from tests.factories import ArticleFactory, SourceFactory, TagFactory

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/articles/article/add/"
LIST_URL = "/admin/articles/article/"


def article_form(source, tags, **overrides):
    data = {
        "title": "Minister meets counterpart in Washington",
        "slug": "minister-meets-counterpart",
        "status": ArticleStatus.DRAFT,
        "source": source.pk,
        "wire_service": "",
        "url": "https://outlet.example/minister",
        "byline": "Desk Reporter",
        "published_at_0": "2023-03-07",
        "published_at_1": "11:08:00",
        "summary": "Two ministers met.",
        "tags": [tag.pk for tag in tags],
        "editor_note": "",
        "language": "en",
        "body": '<p onclick="x()">Text</p><script>alert(1)</script>',
    }
    data.update(overrides)
    return data


def test_editor_logs_in_with_the_demo_credentials(client, editor):
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "editor", "password": "newsroom-editor"},
    )
    assert response.status_code == 302
    assert response.url == "/admin/"
    assert "Curate border and migration coverage" in client.get("/admin/").text


def test_wrong_password_is_refused_with_a_message(client, editor):
    response = client.post("/admin/login/", {"username": "editor", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter the correct username and password" in response.text


def test_editor_adds_an_article_with_tags(editor_client, editor):
    source = SourceFactory()
    tags = TagFactory.create_batch(2)
    response = editor_client.post(ADD_URL, article_form(source, tags))
    assert response.status_code == 302, response.context["adminform"].form.errors
    article = Article.objects.get(slug="minister-meets-counterpart")
    assert set(article.tags.all()) == set(tags)
    assert article.body == "<p>Text</p>"
    assert article.created_by == editor
    assert article.updated_by == editor
    assert article.published_at.isoformat() == "2023-03-07T16:08:00+00:00"


def test_updated_by_follows_the_last_editor(editor_client, editor, user):
    article = ArticleFactory(title="Old headline")
    article.created_by = user
    article.save()
    data = article_form(article.source, [], title="New headline", slug=article.slug)
    response = editor_client.post(f"{LIST_URL}{article.pk}/change/", data)
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.title, article.created_by, article.updated_by) == ("New headline", user, editor)


def test_bad_article_form_shows_errors_and_saves_nothing(editor_client):
    existing = ArticleFactory(url="https://outlet.example/minister")
    data = article_form(existing.source, [], published_at_0="2023-02-30", language="xx")
    response = editor_client.post(ADD_URL, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) >= {"published_at", "language", "__all__"}
    assert "original URL already exists" in str(errors["__all__"])
    assert Article.objects.count() == 1


def test_bulk_publish_archive_and_back_to_draft(editor_client, editor):
    drafts = ArticleFactory.create_batch(3, status=ArticleStatus.DRAFT)
    untouched = ArticleFactory(status=ArticleStatus.DRAFT)
    ids = [a.pk for a in drafts]
    for action, status in (
        ("make_published", "published"),
        ("make_archived", "archived"),
        ("make_draft", "draft"),
    ):
        response = editor_client.post(
            LIST_URL, {"action": action, "_selected_action": ids}, follow=True
        )
        assert f"3 articles are now {ArticleStatus(status).label.lower()}" in response.text
        assert set(Article.objects.filter(pk__in=ids).values_list("status", flat=True)) == {status}
        assert set(Article.objects.filter(pk__in=ids).values_list("updated_by", flat=True)) == {
            editor.pk
        }
    untouched.refresh_from_db()
    assert untouched.status == ArticleStatus.DRAFT


def test_article_list_filters_search_and_date_hierarchy(editor_client):
    ArticleFactory(title="Roxham Road closes", byline="Jane Doe", tags=[TagFactory()])
    ArticleFactory(title="Unrelated", status=ArticleStatus.ARCHIVED)
    response = editor_client.get(LIST_URL + "?q=jane")
    assert response.context["cl"].result_count == 1
    response = editor_client.get(LIST_URL + "?status__exact=archived")
    assert [a.title for a in response.context["cl"].result_list] == ["Unrelated"]
    html = editor_client.get(LIST_URL).text
    for filter_title in ("By status", "By source", "By kind", "By tags", "By published"):
        assert filter_title in html
    assert 'class="toplinks"' in html  # the date hierarchy


def test_change_page_links_to_the_public_page(editor_client):
    article = ArticleFactory()
    html = editor_client.get(f"{LIST_URL}{article.pk}/change/").text
    assert "View on site" in html
    assert "readonly" in html  # created/updated by and at are shown, not editable


def test_tag_autocomplete_finds_tags_by_name(editor_client):
    TagFactory(name="Safe Third Country Agreement")
    TagFactory(name="Roxham Road")
    response = editor_client.get(
        "/admin/autocomplete/",
        {"app_label": "articles", "model_name": "article", "field_name": "tags", "term": "third"},
    )
    assert [r["text"] for r in response.json()["results"]] == ["Safe Third Country Agreement"]


def _admin_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url", [LIST_URL, "/admin/articles/source/", "/admin/articles/tag/"], ids=str
)
def test_admin_lists_do_not_query_per_row(editor_client, url):
    """Tag names, sources and article counts come with the page, not one query per row."""
    tags = TagFactory.create_batch(2)
    ArticleFactory(tags=tags)
    one = _admin_queries(editor_client, url)
    for _ in range(10):
        ArticleFactory(tags=[*tags, TagFactory()])
    assert _admin_queries(editor_client, url) == one


def test_source_and_tag_lists_show_article_counts(editor_client):
    tag = TagFactory(name="Asylum")
    source = SourceFactory(name="Daily Border")
    ArticleFactory.create_batch(2, tags=[tag], source=source)
    ArticleFactory(tags=[tag], source=source, status=ArticleStatus.DRAFT)
    sources = editor_client.get("/admin/articles/source/").context["cl"].result_list
    tags = editor_client.get("/admin/articles/tag/").context["cl"].result_list
    assert {s.name: s.article_total for s in sources} == {"Daily Border": 3}
    assert {t.name: t.article_total for t in tags} == {"Asylum": 3}


def test_admin_requires_login(client):
    response = client.get(LIST_URL)
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("source", "abc"),
        ("wire_service", "abc"),
        ("tags", ["abc"]),
        ("tags", ["1.5", "x"]),
        ("source", "99999999999999999999999"),
        ("tags", ["-99999999999999999999999"]),
    ],
)
def test_an_id_that_is_no_number_is_a_form_error(editor_client, field, value):
    """The autocomplete widgets drew the posted values again by looking them up:
    a value that is no id answered 500 instead of the form's own error."""
    data = {**article_form(SourceFactory(), TagFactory.create_batch(1)), field: value}
    response = editor_client.post(ADD_URL, data)
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not Article.objects.exists()
