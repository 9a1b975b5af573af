import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from articles.models import Article, ArticleStatus, Source, Tag
from tests.cards import card_titles

pytestmark = pytest.mark.django_db

MAIN_STORIES = [
    "Canada is set to share US load of massive migrants influx from Central America",
    "Immigration minister meeting counterpart in D.C.",
]


def counts():
    return (
        Source.objects.count(),
        Tag.objects.count(),
        Article.objects.count(),
        Article.tags.through.objects.count(),
        get_user_model().objects.count(),
    )


def test_load_demo_twice_duplicates_nothing(capsys):
    call_command("load_demo")
    first = counts()
    assert "Editor login: editor / newsroom-editor" in capsys.readouterr().out
    call_command("load_demo")
    assert counts() == first
    assert "0 rows created, 0 updated" in capsys.readouterr().out


def test_demo_shows_the_beat_and_hides_the_triage(client):
    call_command("load_demo")
    html = client.get("/").text
    for title in MAIN_STORIES:
        assert title in html
    assert "Canadians divided on immigration plan: poll" in html
    # Off the beat: kept for the record, never shown to readers.
    assert "Is this your ring?" not in html
    assert "Flu epidemic" not in html
    statuses = set(Article.objects.values_list("status", flat=True))
    assert statuses == set(ArticleStatus.values)


def test_demo_wire_story_is_credited_to_the_canadian_press(client):
    call_command("load_demo")
    story = Article.objects.get(title=MAIN_STORIES[1])
    assert (story.source.name, story.wire_service.name) == ("Darpan", "The Canadian Press")
    # 11:08 in Vancouver, as the page gives it.
    assert story.published_at == datetime.datetime(2023, 3, 7, 19, 8, tzinfo=datetime.UTC)
    html = client.get("/sources/the-canadian-press/").text
    assert MAIN_STORIES[1] in html


def test_demo_articles_invent_no_links():
    call_command("load_demo")
    assert not Article.objects.exclude(url="").exists()
    assert not Source.objects.exclude(homepage="").exists()


def logs_in(client, username: str, password: str) -> bool:
    """Logs in through the admin's form, as a person would (and as the lockout
    of repeated failures sees it)."""
    response = client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}
    )
    return response.status_code == 302 and response.url == "/admin/"


def test_demo_editor_can_curate(client):
    call_command("load_demo")
    assert logs_in(client, "editor", "newsroom-editor")
    editor = get_user_model().objects.get(username="editor")
    assert editor.is_staff and not editor.is_superuser
    assert editor.groups.filter(name="Editors").exists()
    for perm in ("add_article", "change_article", "delete_article", "change_tag", "add_source"):
        assert editor.has_perm(f"articles.{perm}")
    assert client.get("/admin/articles/article/").status_code == 200


def test_load_demo_resets_a_changed_editor_password(client):
    call_command("load_demo")
    editor = get_user_model().objects.get(username="editor")
    editor.set_password("something else")
    editor.save()
    call_command("load_demo")
    assert logs_in(client, "editor", "newsroom-editor")


def test_demo_tag_aliases_find_their_stories(client, capsys):
    call_command("load_demo")
    call_command("load_demo")
    assert "0 rows created, 0 updated" in capsys.readouterr().out
    assert set(card_titles(client.get("/?q=SCTA"))) == set(MAIN_STORIES)
