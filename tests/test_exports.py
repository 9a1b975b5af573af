import csv
import datetime
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.exports import FORMULA_STARTS
from articles.models import ArticleStatus
from tests.factories import ArticleFactory, SourceFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def coverage(db):
    source = SourceFactory(name="CBC", slug="cbc")
    stca = TagFactory(name="STCA", slug="stca")
    roxham = TagFactory(name="Roxham Road", slug="roxham-road")
    story = ArticleFactory(
        title="Roxham Road closes",
        source=source,
        byline="Jane Doe",
        url="https://cbc.example/roxham",
        summary="Crossings end at midnight.",
        tags=[stca, roxham],
        published_at=datetime.datetime(2023, 3, 25, 4, 0, tzinfo=datetime.UTC),
    )
    ArticleFactory(
        title="Unrelated", published_at=datetime.datetime(2023, 1, 1, tzinfo=datetime.UTC)
    )
    ArticleFactory(title="Hidden draft", status=ArticleStatus.DRAFT, tags=[stca])
    return story


def read_csv(response):
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="newsroom-articles-')
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_csv_export_has_every_matching_article_with_its_citation(client, coverage):
    rows = read_csv(client.get("/export.csv?tag=stca"))
    assert rows == [
        {
            "headline": "Roxham Road closes",
            "outlet": "CBC",
            "byline": "Jane Doe",
            "published": "2023-03-25T04:00:00+00:00",
            "url": "https://cbc.example/roxham",
            "page": "http://testserver/articles/" + coverage.slug + "/",
            "tags": "Roxham Road; STCA",
            "summary": "Crossings end at midnight.",
        }
    ]


def test_json_export_matches_the_list(client, coverage):
    response = client.get("/export.json")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    data = json.loads(b"".join(response.streaming_content))
    assert [row["headline"] for row in data] == ["Roxham Road closes", "Unrelated"]
    assert data[0]["tags"] == ["Roxham Road", "STCA"]
    assert data[0]["page"].endswith(coverage.get_absolute_url())


def test_export_of_nothing_is_an_empty_list(client, coverage):
    assert json.loads(b"".join(client.get("/export.json?q=zebra").streaming_content)) == []
    assert read_csv(client.get("/export.csv?q=zebra")) == []


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_csv_cells_a_spreadsheet_would_run_are_neutralised(client, coverage, start):
    ArticleFactory(
        title=f'{start}HYPERLINK("https://evil.example")',
        byline=f"{start}1+1",
        summary=f"{start}cmd|' /C calc'!A0",
    )
    rows = read_csv(client.get("/export.csv"))
    evil = next(r for r in rows if "HYPERLINK" in r["headline"])
    for column in ("headline", "byline", "summary"):
        assert evil[column].startswith("'" + start), evil[column]


def test_json_keeps_values_as_they_are(client, coverage):
    ArticleFactory(title="=1+1 is not a formula in JSON")
    data = json.loads(b"".join(client.get("/export.json").streaming_content))
    assert "=1+1 is not a formula in JSON" in [row["headline"] for row in data]


@pytest.mark.parametrize("url", ["/export.csv", "/export.json"])
def test_export_with_bad_filters_says_why(client, coverage, url):
    response = client.get(url + "?tag=nope")
    assert response.status_code == 400
    assert "Tags: Select a valid choice." in response.text


def test_export_queries_do_not_grow_with_rows(client, coverage):
    """Outlets and tags come in batches with the articles, not one query a row."""
    with CaptureQueriesContext(connection) as few:
        b"".join(client.get("/export.csv").streaming_content)
    for _ in range(30):
        ArticleFactory(tags=[TagFactory()])
    with CaptureQueriesContext(connection) as many:
        rows = read_csv(client.get("/export.csv"))
    assert len(rows) == 32
    assert len(many) == len(few)


@pytest.mark.parametrize("url", ["/export.csv?tag=stca", "/export.json"])
def test_a_revisit_with_nothing_changed_gets_304_and_a_change_gets_the_new_rows(
    client, coverage, url
):
    first = client.get(url)
    assert first.status_code == 200 and first["Last-Modified"]
    again = client.get(url, headers={"If-Modified-Since": first["Last-Modified"]})
    assert again.status_code == 304
    coverage.title = "Roxham Road reopens"
    coverage.save()
    changed = client.get(url, headers={"If-Modified-Since": first["Last-Modified"]})
    assert changed.status_code == 200
    assert b"Roxham Road reopens" in b"".join(changed.streaming_content)
