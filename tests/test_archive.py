"""export_archive and import_archive: nothing lost, on SQLite and PostgreSQL."""

import datetime
import json
import os
import secrets
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import environ
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import (
    Article,
    ArticleCopy,
    ArticleStatus,
    ImportRecord,
    Source,
    SourceKind,
    StoryBand,
    StoryFingerprint,
    Tag,
)
from articles.services.archive import (
    LEFT_OUT,
    archive_export,
    archive_fields,
    archive_history_fields,
    archive_import,
)
from tests.factories import ArticleFactory, SourceFactory, TagFactory, UserFactory
from tests.hostile.xss_payloads import PAYLOADS

pytestmark = pytest.mark.django_db

User = get_user_model()
EPOCH = 1_700_000_000
EXPORTED_AT = datetime.datetime.fromtimestamp(EPOCH, datetime.UTC)
HISTORY_MODELS = [Article.history.model, Source.history.model, Tag.history.model]
LONG_STORY = (
    "<p>Ottawa and Washington agreed on Friday to extend the Safe Third Country "
    "Agreement to the whole land border, closing Roxham Road, the unofficial crossing "
    "south of Montreal where tens of thousands of asylum seekers entered Canada.</p>"
    "<p>Under the change, people who cross between official ports of entry and claim "
    "asylum within fourteen days can be returned to the United States, officials said, "
    "while Canada will take in fifteen thousand migrants from the hemisphere.</p>"
)


def staff(username: str, group: str | None = None, **fields) -> User:
    user = UserFactory(username=username, is_staff=True, **fields)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def saved(obj, *, by=None, reason: str | None = None, **changes):
    """Change `obj` through save(), as the admin does, so history records it."""
    for name, value in changes.items():
        setattr(obj, name, value)
    if by is not None:
        obj._history_user = by
        if isinstance(obj, Article):
            obj.updated_by = by
    if reason is not None:
        obj._change_reason = reason
    obj.save()
    obj.__dict__.pop("_change_reason", None)  # simple-history would give it to the next save
    return obj


def newsroom_build() -> dict:
    """A newsroom with everything an archive must carry: the demo data, edits
    in several versions by several people, a transition, tags with aliases,
    copies, HTML and unicode, empty dates, and objects deleted since."""
    call_command("load_demo", verbosity=0)
    editor = User.objects.get(username="editor")
    contributor = User.objects.get(username="contributor")
    chief = staff("chief", "Editors", first_name="Zoë", last_name="Lévesque", is_superuser=True)
    chief.email = "zoe@example.org"
    chief.save()
    gone_user = staff("departed", "Contributors")

    afp = SourceFactory(
        name="Agence France-Presse",
        slug="afp",
        kind=SourceKind.WIRE,
        country="FR",
        language="fr",
        homepage="https://www.afp.com/fr",
        feed_url="https://www.afp.com/fr/rss",
        feed_polled_at=timezone.now() - datetime.timedelta(minutes=7),
        feed_etag='W/"abc"',
        feed_poll_minutes=30,
    )
    saved(afp, by=editor, reason="Feed moved", feed_url="https://www.afp.com/fr/actus/rss")
    le_devoir = SourceFactory(name="Le Devoir", slug="le-devoir", language="fr", country="CA")
    short_lived = SourceFactory(name="Short-lived outlet", slug="short-lived")

    quebec = Tag.objects.get(slug="quebec")
    saved(quebec, by=editor, name="Québec", aliases="Quebec\n  Province de Québec \n\nquébec")
    stca = Tag.objects.get(slug="safe-third-country-agreement")
    saved(stca, by=chief, aliases=stca.aliases + "\nEntente sur les tiers pays sûrs")
    # Slugs that a locale's collation orders otherwise than code points do.
    zone_b, zonea = TagFactory(name="Zone B", slug="zone-b"), TagFactory(name="Zonea", slug="zonea")
    doomed_tag = TagFactory(name="Doomed tag", slug="doomed-tag")

    story = ArticleFactory(
        title="Roxham Road closes: « C’est fini » 🚧",
        slug="roxham-road-closes",
        source=le_devoir,
        wire_service=afp,
        url="https://www.ledevoir.com/politique/roxham?utm_source=x",
        byline="Marie-Ève Côté",
        language="fr",
        status=ArticleStatus.DRAFT,
        published_at=None,
        body=LONG_STORY + '<p onclick="alert(1)">Fin<script>alert(2)</script></p>',
        summary="Le chemin Roxham ferme.\nDeux lignes.",
        editor_note="Check the numbers — “15 000”.",
        created_by=contributor,
        updated_by=contributor,
        tags=[quebec, stca, doomed_tag],
    )
    saved(story, by=contributor, reason="Headline fixed", title="Roxham Road closes 🚧")
    saved(story, by=editor, publish_at=timezone.now() + datetime.timedelta(days=2))
    story.tags.remove(doomed_tag)  # history records the tags' change
    story._history_user = editor
    story.transition(ArticleStatus.REVIEW, user=contributor)
    story.transition(ArticleStatus.PUBLISHED, user=editor)
    saved(story, by=chief, correction="An earlier version misspelt a name.")

    moved = ArticleFactory(
        title="A story that changed outlet",
        slug="changed-outlet",
        source=short_lived,
        published_at=datetime.datetime(2023, 3, 24, 16, 5, 9, 123456, tzinfo=datetime.UTC),
        created_by=gone_user,
        tags=[zone_b, zonea],
    )
    saved(moved, by=gone_user, source=afp, body="<h2>Sub</h2><ul><li>one</li></ul>")
    ArticleFactory(
        title="Every hostile payload, carried as stored",
        slug="hostile",
        source=le_devoir,
        body="\n".join(PAYLOADS),
        summary="\n".join(PAYLOADS),
        editor_note="\x00\x1b control characters are stripped \u2028 on write",
    )
    deleted_story = ArticleFactory(title="Withdrawn", slug="withdrawn", source=afp, tags=[quebec])
    saved(deleted_story, by=editor, title="Withdrawn story")
    deleted_story.delete()
    doomed_tag.delete()
    short_lived.delete()
    gone_user.delete()

    ArticleCopy.objects.create(
        article=story,
        source=afp,
        url="https://www.afp.com/fr/roxham",
        title="Roxham: fin du passage",
        similarity=0.873,
    )
    ArticleCopy.objects.create(
        article=story,
        source=Source.objects.get(slug="darpan"),
        url="",
        title="",
        published_at=datetime.datetime(2023, 3, 25, tzinfo=datetime.UTC),
        similarity=1.0,
    )
    return {"story": story, "editor": editor}


def export(tmp_path: Path, name: str) -> bytes:
    path = tmp_path / name
    archive_export(path=path, exported_at=EXPORTED_AT)
    return path.read_bytes()


def newsroom_clear() -> None:
    """Remove what an archive holds, leaving the migrations' rows (roles)."""
    ImportRecord.objects.all().delete()
    Article.objects.all().delete()
    Source.objects.all().delete()
    Tag.objects.all().delete()
    # Deleting made history of its own; it goes too.
    Article.history.model.tags.model.objects.all().delete()
    for model in HISTORY_MODELS:
        model.objects.all().delete()
    User.objects.all().delete()


def counts() -> dict:
    models = [Article, Source, Tag, ArticleCopy, User, StoryFingerprint, *HISTORY_MODELS]
    return {model.__name__: model.objects.count() for model in models}


# --- Round trips ---------------------------------------------------------------


def test_export_import_export_writes_the_same_bytes(tmp_path):
    newsroom_build()
    first = export(tmp_path, "first.json")
    newsroom_clear()
    archive_import(path=tmp_path / "first.json")
    assert export(tmp_path, "second.json") == first


def test_the_archive_holds_everything_editors_made(tmp_path):
    newsroom_build()
    archive = json.loads(export(tmp_path, "archive.json"))
    assert list(archive) == [
        "format", "version", "exported_at", "users", "sources", "tags", "articles", "copies",
        "history",
    ]  # fmt: skip
    assert (archive["format"], archive["version"]) == ("newsroom-archive", 1)
    assert archive["exported_at"] == "2023-11-14T22:13:20.000000Z"

    users = {user["username"]: user for user in archive["users"]}
    # Only those authorship and history name: the deleted account is gone.
    assert sorted(users) == ["chief", "contributor", "editor"]
    assert users["chief"] == {
        "username": "chief", "first_name": "Zoë", "last_name": "Lévesque",
        "email": "zoe@example.org", "is_staff": True, "is_superuser": True, "is_active": True,
        "groups": ["Editors"],
    }  # fmt: skip
    assert "password" not in json.dumps(archive["users"])

    slugs = [tag["slug"] for tag in archive["tags"]]
    assert slugs == sorted(slugs) and slugs.index("zone-b") < slugs.index("zonea")
    quebec = next(t for t in archive["tags"] if t["slug"] == "quebec")
    assert (quebec["name"], quebec["aliases"]) == ("Québec", "Quebec\nProvince de Québec")
    story = next(a for a in archive["articles"] if a["slug"] == "roxham-road-closes")
    assert story["title"] == "Roxham Road closes 🚧"
    assert (story["source"], story["wire_service"]) == ("le-devoir", "afp")
    assert story["tags"] == ["quebec", "safe-third-country-agreement"]
    assert story["published_at"] is None and story["publish_at"].endswith("Z")
    assert (story["status"], story["status_changed_by"]) == ("published", "editor")
    assert (story["created_by"], story["updated_by"]) == ("contributor", "chief")
    assert "<script>" not in story["body"] and "onclick" not in story["body"]
    assert not {"id", "body_text", "url_key", "search_vector"} & set(story)
    assert [(c["source"], c["similarity"]) for c in archive["copies"]] == [
        ("darpan", 1.0),
        ("afp", 0.873),
    ]

    history = archive["history"]
    versions = [v for v in history["articles"] if v["object"] == "roxham-road-closes"]
    assert [(v["history_type"], v["history_user"], v["fields"]["status"]) for v in versions] == [
        ("+", None, "draft"),
        ("~", None, "draft"),  # the factory's tags
        ("~", "contributor", "draft"),
        ("~", "editor", "draft"),
        ("~", "editor", "draft"),  # a tag removed
        ("~", "contributor", "review"),
        ("~", "editor", "published"),
        ("~", "chief", "published"),
    ]
    assert [v["history_change_reason"] for v in versions].count("Headline fixed") == 1
    assert versions[2]["fields"]["title"] == "Roxham Road closes 🚧"
    assert versions[1]["fields"]["title"] == "Roxham Road closes: « C’est fini » 🚧"
    assert versions[1]["tags"] == ["deleted:1", "quebec", "safe-third-country-agreement"]
    assert versions[-1]["tags"] == ["quebec", "safe-third-country-agreement"]
    # Objects deleted since keep their history, named deleted:N.
    withdrawn = [v for v in history["articles"] if v["fields"]["slug"] == "withdrawn"]
    assert {v["object"] for v in withdrawn} == {"deleted:1"}
    assert [v["history_type"] for v in withdrawn] == ["+", "~", "~", "-"]
    moved = [v for v in history["articles"] if v["object"] == "changed-outlet"]
    assert [v["fields"]["source"] for v in moved] == ["deleted:1", "deleted:1", "afp"]
    # The account deleted since is named nowhere: its name went with it.
    assert [v["fields"]["created_by"] for v in moved] == [None, None, None]
    assert [v["history_user"] for v in moved] == [None, None, None]
    assert [v["fields"]["slug"] for v in history["tags"] if v["object"] == "deleted:1"] == [
        "doomed-tag",
        "doomed-tag",
    ]


def test_the_archive_names_every_field_but_the_ones_left_out():
    """A field added to a model lands in the archive by itself; this says which
    are left out, so a change to that list is a change to the README too."""
    assert LEFT_OUT[Source] == {"id", "domain"}
    assert LEFT_OUT[Tag] == {"id"}
    assert LEFT_OUT[Article] == {"id", "url_key", "body_text", "search_vector"}
    assert LEFT_OUT[ArticleCopy] == {"id", "url_key"}
    for model in (Source, Tag, Article):
        current = {f.name for f in archive_fields(model)}
        historical = {f.name for f in archive_history_fields(model)}
        assert historical == current - {"body_text", "url_key", "search_vector"}


def test_import_restores_rows_as_they_were_and_rebuilds_what_is_derived(tmp_path):
    newsroom_build()
    original = Article.objects.get(slug="roxham-road-closes")
    versions = original.history.count()
    export(tmp_path, "archive.json")
    before = counts()
    newsroom_clear()

    summary = archive_import(path=tmp_path / "archive.json")

    assert counts() == before | {
        "User": 3,  # the deleted account and the demo's unnamed ones aside
        "StoryFingerprint": counts()["StoryFingerprint"],
    }
    assert summary.accounts_created == ["chief", "contributor", "editor"]
    story = Article.objects.get(slug="roxham-road-closes")
    for name in ("created_at", "updated_at", "status_changed_at", "first_published_at"):
        assert getattr(story, name) == getattr(original, name)
    assert story.created_by.username == "contributor"
    assert story.url_key == original.url_key != ""
    assert story.body_text == original.body_text != ""
    assert Source.objects.get(slug="afp").domain == "afp.com"
    assert StoryFingerprint.objects.filter(article=story).exists()
    assert StoryBand.objects.filter(fingerprint__article=story).count() > 0
    chief = User.objects.get(username="chief")
    assert not chief.has_usable_password()
    assert (chief.is_superuser, chief.first_name) == (True, "Zoë")
    assert list(chief.groups.values_list("name", flat=True)) == ["Editors"]
    assert story.history.count() == versions == 8
    # Ids of objects deleted since are kept for good: a new row never takes one.
    deleted_ids = set(
        Article.history.model.objects.exclude(id__in=Article.objects.values("pk")).values_list(
            "id", flat=True
        )
    )
    fresh = ArticleFactory(source=Source.objects.get(slug="afp"))
    assert fresh.pk not in deleted_ids and fresh.history.count() == 1


def test_import_keeps_accounts_the_database_already_has(tmp_path):
    newsroom_build()
    export(tmp_path, "archive.json")
    newsroom_clear()
    admin = UserFactory(username="editor", first_name="Kept", is_staff=True)

    summary = archive_import(path=tmp_path / "archive.json")

    assert summary.accounts_created == ["chief", "contributor"]
    admin.refresh_from_db()
    assert admin.first_name == "Kept" and admin.has_usable_password()
    assert Article.objects.get(slug="roxham-road-closes").status_changed_by == admin


def test_the_restored_site_finds_shows_and_has_history(tmp_path, client):
    newsroom_build()
    export(tmp_path, "archive.json")
    newsroom_clear()
    archive_import(path=tmp_path / "archive.json")
    story = Article.objects.get(slug="roxham-road-closes")
    Article.objects.filter(pk=story.pk).update(publish_at=None)

    found = client.get("/", {"q": "Roxham"})
    assert found.status_code == 200 and "Roxham Road closes" in found.text
    by_alias = client.get("/", {"q": "Entente sur les tiers pays"})
    assert "Roxham Road closes" in by_alias.text

    page = client.get(story.get_absolute_url())
    assert page.status_code == 200
    assert "Ottawa and Washington agreed" in page.text
    assert "An earlier version misspelt a name." in page.text
    assert "Also published by" in page.text and "“Roxham: fin du passage”" in page.text

    client.force_login(User.objects.get(username="editor"))
    history = client.get(f"/admin/articles/article/{story.pk}/history/")
    assert history.status_code == 200
    assert history.text.count("/history/") >= story.history.count()
    assert "Headline fixed" in history.text and "chief" in history.text
    first = story.history.order_by("history_date").first()
    version = client.get(f"/admin/articles/article/{story.pk}/history/{first.history_id}/")
    assert version.status_code == 200 and "Roxham Road closes: « C’est fini »" in version.text


def test_export_reads_a_fixed_number_of_queries(tmp_path):
    """No query per article, version or copy: a big newsroom's export streams
    in chunks with the same handful of queries."""
    source, tags = SourceFactory(), [TagFactory(), TagFactory()]

    def articles_add(n: int) -> None:
        for _ in range(n):
            article = saved(ArticleFactory(source=source, tags=tags), summary="Edited.")
            ArticleCopy.objects.create(article=article, source=source, similarity=0.5)

    articles_add(3)
    with CaptureQueriesContext(connection) as few:
        archive_export(path=tmp_path / "few.json", exported_at=EXPORTED_AT)
    articles_add(40)
    with CaptureQueriesContext(connection) as many:
        archive_export(path=tmp_path / "many.json", exported_at=EXPORTED_AT)
    assert len(many) == len(few)


def test_export_command_writes_now_unless_source_date_epoch_says(tmp_path, monkeypatch):
    newsroom_build()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    call_command("export_archive", str(tmp_path / "fixed.json"), verbosity=0)
    assert (tmp_path / "fixed.json").read_bytes() == export(tmp_path, "direct.json")
    # It names accounts and their addresses: for its owner's eyes.
    assert stat.S_IMODE((tmp_path / "fixed.json").stat().st_mode) == 0o600
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    call_command("export_archive", str(tmp_path / "now.json"), verbosity=0)
    now = json.loads((tmp_path / "now.json").read_text())
    exported_at = datetime.datetime.fromisoformat(now.pop("exported_at"))
    assert abs(timezone.now() - exported_at) < datetime.timedelta(minutes=1)
    fixed = json.loads((tmp_path / "fixed.json").read_text())
    fixed.pop("exported_at")
    assert now == fixed


def test_export_to_a_missing_folder_says_so(tmp_path):
    with pytest.raises(CommandError, match="Cannot write .*nowhere"):
        call_command("export_archive", str(tmp_path / "nowhere" / "archive.json"))


def test_a_failed_export_leaves_no_half_file(tmp_path):
    (tmp_path / "taken").mkdir()  # the finished file cannot take its place
    with pytest.raises(CommandError, match="Cannot write .*taken"):
        call_command("export_archive", str(tmp_path / "taken"))
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]


# --- Bad archives ---------------------------------------------------------------


@pytest.fixture
def good_archive(tmp_path) -> dict:
    """A valid archive as JSON, and a database emptied of what it holds."""
    newsroom_build()
    archive = json.loads(export(tmp_path, "good.json"))
    newsroom_clear()
    return archive


def write(tmp_path: Path, content) -> str:
    path = tmp_path / "bad.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(path)


def import_fails(path: str, message: str) -> None:
    before = counts()
    with pytest.raises(CommandError, match=message) as error:
        call_command("import_archive", path)
    assert str(error.value).endswith("Nothing was imported.")
    assert counts() == before


def test_invalid_json_is_refused(tmp_path):
    import_fails(
        write(tmp_path, '{"format": "newsroom-archive",'),
        r"bad\.json is not valid JSON \(line 1, column 31: Expecting property name",
    )


def test_a_missing_file_is_refused(tmp_path):
    import_fails(str(tmp_path / "absent.json"), r"Cannot read .*absent\.json: No such file")


def test_another_format_is_refused(tmp_path, good_archive):
    import_fails(
        write(tmp_path, good_archive | {"format": "wordpress"}),
        "is not a Newsroom archive: its format is 'wordpress', not “newsroom-archive”",
    )
    import_fails(write(tmp_path, [1, 2]), "is not a Newsroom archive: its format is None")


def test_another_version_is_refused(tmp_path, good_archive):
    import_fails(
        write(tmp_path, good_archive | {"version": 2}),
        "is a version 2 Newsroom archive; this Newsroom restores version 1",
    )


def test_a_tag_named_but_missing_is_refused(tmp_path, good_archive):
    good_archive["tags"] = [t for t in good_archive["tags"] if t["slug"] != "zonea"]
    import_fails(
        write(tmp_path, good_archive),
        "articles “changed-outlet”: “tags” names the tag 'zonea', which is not in the archive",
    )


def test_a_duplicate_slug_is_refused(tmp_path, good_archive):
    good_archive["sources"].append(dict(good_archive["sources"][0], name="Another name"))
    import_fails(
        write(tmp_path, good_archive),
        f"sources: the slug “{good_archive['sources'][0]['slug']}” appears twice",
    )


def test_a_non_empty_database_is_refused(tmp_path, good_archive):
    path = write(tmp_path, good_archive)
    TagFactory(slug="already-here")
    import_fails(
        path, "The database is not empty: it holds 1 tag, 1 historical version. import_archive "
    )


def test_a_problem_late_in_the_archive_undoes_everything(tmp_path, good_archive):
    """The last version names an unknown account: by then users, sources,
    tags, articles, copies and most history are written, and all are undone."""
    good_archive["history"]["articles"][-1]["history_user"] = "nobody"
    import_fails(
        write(tmp_path, good_archive),
        r"history\.articles\[\d+\]: “history_user” names the user 'nobody', "
        "which is not in the archive",
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda a: a["articles"][0].update(published_at="yesterday"),
            "“published_at” is not an ISO 8601 date and time",
        ),
        (
            lambda a: a["articles"][0].update(published_at="2024-01-01T10:00:00"),
            "“published_at” has no time zone",
        ),
        (lambda a: a["sources"][0].update(is_active="yes"), "“is_active” is not true or false"),
        (lambda a: a["tags"][0].update(name="x" * 101), "“name” is longer than 100 characters"),
        (lambda a: a["tags"][0].update(colour="red"), "unknown field “colour”"),
        (lambda a: a["articles"][0].update(status="lost"), "“status”: Value 'lost' is not"),
        (lambda a: a["sources"][0].update(homepage="nota url"), "“homepage”: Enter a valid URL"),
        (lambda a: a["copies"][0].update(article="nope"), "names the article 'nope'"),
        (lambda a: a["history"]["tags"][0].update(object="stranger"), "neither the slug"),
        (lambda a: a["users"][0].update(groups=["Owners"]), "group “Owners”, which this"),
        (lambda a: a.update(history=[]), "“history” is not an object"),
    ],
)
def test_bad_values_are_refused_with_where_and_why(tmp_path, good_archive, change, message):
    change(good_archive)
    import_fails(write(tmp_path, good_archive), message)


# --- Across databases -------------------------------------------------------------


def manage(*args: str, database_url: str) -> None:
    """Run manage.py against `database_url` in its own process: pytest's own
    database is one per run, and a restore needs fresh ones."""
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url,
        "SOURCE_DATE_EPOCH": str(EPOCH),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stderr}"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@contextmanager
def postgres_database() -> Iterator[str]:
    """A throw-away PostgreSQL database on the server the suite is given (or
    the local one), dropped afterwards; skipped without a server, not in CI."""
    import psycopg

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = "postgres://postgres@127.0.0.1:5432/postgres"
    config = environ.Env.db_url_config(url)
    server = {
        "host": config["HOST"] or "127.0.0.1",
        "port": config["PORT"] or 5432,
        "user": config["USER"],
        "password": config["PASSWORD"] or None,
    }
    try:
        admin = psycopg.connect(**server, dbname="postgres", autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        reason = f"PostgreSQL is not reachable at {server['host']}:{server['port']} ({error})"
        if in_ci():
            pytest.fail(f"{reason}; CI must run the cross-database test", pytrace=False)
        pytest.skip(reason)
    name = f"newsroom_archive_{secrets.token_hex(6)}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            password = f":{server['password']}" if server["password"] else ""
            yield f"postgres://{server['user']}{password}@{server['host']}:{server['port']}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_sqlite_to_postgresql_and_back_changes_nothing(tmp_path):
    newsroom_build()
    archives = [export(tmp_path, "0-here.json")]
    with postgres_database() as postgres_url:
        databases = [
            ("1-sqlite", f"sqlite:///{tmp_path / 'first.sqlite3'}"),
            ("2-postgresql", postgres_url),
            ("3-sqlite", f"sqlite:///{tmp_path / 'second.sqlite3'}"),
        ]
        previous = tmp_path / "0-here.json"
        for name, url in databases:
            manage("migrate", "--no-input", "-v0", database_url=url)
            manage("import_archive", str(previous), database_url=url)
            previous = tmp_path / f"{name}.json"
            manage("export_archive", str(previous), database_url=url)
            archives.append(previous.read_bytes())
    for (name, _), archive in zip(databases, archives[1:], strict=True):
        assert archive == archives[0], f"the archive exported from {name} differs"
