import datetime
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import ArticleStatus, SourceKind
from tests.factories import ArticleFactory, SourceFactory, TagFactory

pytestmark = pytest.mark.django_db

TORONTO = ZoneInfo("America/Toronto")


def at(year, month, day=15):
    return datetime.datetime(year, month, day, 12, tzinfo=TORONTO)


@pytest.fixture
def beat(db):
    cbc = SourceFactory(name="CBC", slug="cbc", kind=SourceKind.BROADCASTER, country="CA")
    ap = SourceFactory(name="AP", slug="ap", kind=SourceKind.WIRE, country="US")
    stca = TagFactory(name="STCA", slug="stca")
    roxham = TagFactory(name="Roxham Road", slug="roxham-road")
    ArticleFactory(source=cbc, tags=[stca, roxham], published_at=at(2023, 3))
    ArticleFactory(source=cbc, tags=[stca], published_at=at(2023, 3, 20))
    ArticleFactory(source=ap, tags=[stca], published_at=at(2023, 5))
    ArticleFactory(source=ap, language="fr", published_at=at(2022, 11))
    ArticleFactory(source=ap, tags=[roxham], status=ArticleStatus.DRAFT, published_at=at(2021, 1))
    return {"cbc": cbc, "ap": ap}


def facet(response, name):
    facets = {f.name: f for f in response.context["facets"]}
    return {v.label: v.count for v in facets[name].values} if name in facets else {}


def test_facets_count_the_current_results(client, beat):
    response = client.get("/")
    assert facet(response, "tag") == {"STCA": 3, "Roxham Road": 1}
    assert facet(response, "source") == {"CBC": 2, "AP": 2}
    assert facet(response, "kind") == {"Broadcaster": 2, "Wire service": 2}
    assert facet(response, "country") == {"Canada": 2, "United States of America": 2}
    assert facet(response, "language") == {"English": 3, "French": 1}
    assert facet(response, "year") == {"2023": 3, "2022": 1}

    narrowed = client.get("/?source=cbc")
    assert facet(narrowed, "tag") == {"STCA": 2, "Roxham Road": 1}
    assert facet(narrowed, "year") == {"2023": 2}


def test_a_facet_link_adds_its_filter_and_keeps_the_others(client, beat):
    response = client.get("/?tag=stca&page=1")
    values = {v.label: v for f in response.context["facets"] for v in f.values}
    assert parse_qsl(values["Roxham Road"].query) == [("tag", "stca"), ("tag", "roxham-road")]
    assert parse_qsl(values["CBC"].query) == [("tag", "stca"), ("source", "cbc")]
    assert parse_qsl(values["2023"].query) == [
        ("tag", "stca"),
        ("published_after", "2023-01-01"),
        ("published_before", "2023-12-31"),
    ]
    # A value in force is marked, and its link takes it away.
    assert values["STCA"].active
    assert values["STCA"].query == ""
    followed = client.get("/?" + values["Roxham Road"].query)
    assert followed.context["page_obj"].paginator.count == 1


def test_facet_and_chart_queries_do_not_grow_with_rows(client, beat):
    """Facets are one aggregate query each, and the chart one more."""
    with CaptureQueriesContext(connection) as few:
        client.get("/?q=story")
    for i in range(20):
        ArticleFactory(
            source=SourceFactory(), tags=[TagFactory()], published_at=at(2015 + i % 10, 1 + i % 12)
        )
    with CaptureQueriesContext(connection) as many:
        client.get("/?q=story")
    assert len(many) == len(few)


def test_chart_counts_articles_a_month_with_empty_months_drawn(client, beat):
    chart = client.get("/").context["chart"]
    counted = {bar.month.isoformat(): bar.count for bar in chart.bars}
    assert counted["2022-11-01"] == 1
    assert counted["2023-03-01"] == 2
    assert counted["2023-04-01"] == 0
    assert counted["2023-05-01"] == 1
    assert min(counted) <= "2022-11-01" and max(counted) == "2023-05-01"
    assert len(chart.bars) >= 12
    assert chart.peak == 2


def test_a_chart_bar_links_to_its_months_articles(client, beat):
    chart = client.get("/?source=cbc").context["chart"]
    march = next(bar for bar in chart.bars if bar.month == datetime.date(2023, 3, 1))
    assert parse_qsl(march.query) == [
        ("source", "cbc"),
        ("published_after", "2023-03-01"),
        ("published_before", "2023-03-31"),
    ]
    assert client.get("/?" + march.query).context["page_obj"].paginator.count == 2


def test_chart_is_accessible_svg_with_a_table_of_the_numbers(client, beat):
    html = client.get("/").text
    assert '<svg class="coverage-chart"' in html
    assert '<title id="chart-title">' in html
    march = "?published_after=2023-03-01&amp;published_before=2023-03-31"
    # The bar's link is named by its <title> (tests/browser/test_reading.py
    # finds it by that name).
    assert f'<a href="{march}"><title>March 2023: 2 articles</title>' in html
    assert f'<th scope="row"><a href="{march}">March 2023</a></th><td class="num">2</td>' in html


def test_no_chart_and_no_facets_without_results(client, beat):
    response = client.get("/?q=nothingmatchesthis")
    assert response.context["chart"] is None
    assert response.context["facets"] == []
    assert "Narrow down" not in response.text


def test_partial_request_gets_only_the_results_part(client, beat):
    full = client.get("/?tag=stca")
    partial = client.get("/?tag=stca", headers={"X-Newsroom-Partial": "results"})
    assert "<html" in full.text and "<html" not in partial.text
    assert '<form class="filters"' in partial.text
    assert "3 articles" in partial.text
    assert "X-Newsroom-Partial" in partial["Vary"] and "X-Newsroom-Partial" in full["Vary"]


def test_invalid_filters_in_a_partial_still_explain(client, beat):
    response = client.get("/?published_after=nope", headers={"X-Newsroom-Partial": "results"})
    assert response.status_code == 400
    assert "Enter a valid date" in response.text
