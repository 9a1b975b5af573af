import datetime
import re
from zoneinfo import ZoneInfo

import pytest

from articles.models import ArticleStatus, SourceKind
from tests.cards import card_titles
from tests.factories import ArticleFactory, SourceFactory, TagFactory

pytestmark = pytest.mark.django_db

TORONTO = ZoneInfo("America/Toronto")


def at(day: str, hour: int = 12) -> datetime.datetime:
    return datetime.datetime.fromisoformat(day).replace(hour=hour, tzinfo=TORONTO)


@pytest.fixture
def coverage(db):
    """A small beat: two Canadian outlets and a US wire, English and French."""
    cbc = SourceFactory(name="CBC", slug="cbc", kind=SourceKind.BROADCASTER, country="CA")
    devoir = SourceFactory(
        name="Le Devoir", slug="le-devoir", kind=SourceKind.NEWSPAPER, country="CA", language="fr"
    )
    ap = SourceFactory(name="AP", slug="ap", kind=SourceKind.WIRE, country="US")
    stca = TagFactory(name="Safe Third Country Agreement", slug="stca")
    roxham = TagFactory(name="Roxham Road", slug="roxham-road")
    return {
        "stca_roxham": ArticleFactory(
            title="Roxham Road closes under new agreement",
            summary="The expanded STCA takes effect at midnight.",
            source=cbc,
            tags=[stca, roxham],
            published_at=at("2023-03-25"),
        ),
        "stca": ArticleFactory(
            title="Ottawa and Washington sign protocol",
            body="<p>Asylum seekers crossing between ports of entry will be returned.</p>",
            source=ap,
            tags=[stca],
            published_at=at("2023-03-24"),
        ),
        "french": ArticleFactory(
            title="Le chemin Roxham fermé",
            summary="Québec salue la décision.",
            source=devoir,
            language="fr",
            tags=[roxham],
            published_at=at("2023-03-26"),
        ),
        "old": ArticleFactory(
            title="Encounters at the northern border double",
            source=ap,
            published_at=at("2022-11-02"),
        ),
    }


def titles(response):
    return set(card_titles(response))


def names(coverage, *keys):
    return {coverage[key].title for key in keys}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=roxham", ["stca_roxham", "french"]),
        ("q=ROXHAM+agreement", ["stca_roxham"]),
        ("q=ports+of+entry", ["stca"]),  # words in the body
        ("q=STCA", ["stca_roxham"]),  # words in the summary
        ("tag=stca", ["stca_roxham", "stca"]),
        ("tag=stca&tag=roxham-road", ["stca_roxham"]),
        ("source=ap", ["stca", "old"]),
        ("source=ap&source=cbc", ["stca", "old", "stca_roxham"]),
        ("kind=wire", ["stca", "old"]),
        ("kind=broadcaster", ["stca_roxham"]),
        ("country=US", ["stca", "old"]),
        ("country=CA", ["stca_roxham", "french"]),
        ("language=fr", ["french"]),
        ("published_after=2023-03-25", ["stca_roxham", "french"]),
        ("published_before=2023-03-24", ["stca", "old"]),
        ("published_after=2023-03-24&published_before=2023-03-25", ["stca_roxham", "stca"]),
        ("published_after=2023-03-25&published_before=2023-03-25", ["stca_roxham"]),
        ("tag=stca&country=CA&published_after=2023-01-01", ["stca_roxham"]),
        ("q=roxham&language=en&kind=broadcaster", ["stca_roxham"]),
        ("source=cbc&kind=wire", []),
        ("q=", ["stca_roxham", "stca", "french", "old"]),
    ],
)
def test_each_filter_alone_and_combined(client, coverage, query, expected):
    assert titles(client.get(f"/?{query}")) == names(coverage, *expected)


def test_ordering(client, coverage):
    newest = card_titles(client.get("/?ordering=newest"))
    oldest = card_titles(client.get("/?ordering=oldest"))
    assert newest == [coverage[k].title for k in ("french", "stca_roxham", "stca", "old")]
    assert oldest == newest[::-1]


def test_published_before_includes_the_whole_day_in_the_newsroom_timezone(client, coverage):
    late = ArticleFactory(title="Late edition", published_at=at("2023-03-24", hour=23))
    assert late.title in titles(client.get("/?published_before=2023-03-24"))
    assert late.title not in titles(client.get("/?published_after=2023-03-25"))


def test_filters_do_not_reveal_non_public_articles(client, coverage):
    ArticleFactory(
        title="Draft about Roxham", status=ArticleStatus.DRAFT, tags=[coverage["french"].tags.get()]
    )
    assert "Draft about Roxham" not in titles(client.get("/?q=roxham&tag=roxham-road"))


def test_active_filters_are_shown_and_removable_one_by_one(client, coverage):
    response = client.get("/?tag=stca&tag=roxham-road&country=CA&ordering=oldest")
    active = {f["label"]: f["query"] for f in response.context["active_filters"]}
    assert active == {
        "Tag: Safe Third Country Agreement": "tag=roxham-road&country=CA&ordering=oldest",
        "Tag: Roxham Road": "tag=stca&country=CA&ordering=oldest",
        "Outlet's country: Canada": "tag=stca&tag=roxham-road&ordering=oldest",
    }
    assert 'aria-label="Remove filter Tag: Roxham Road"' in response.text
    removed = client.get("/?" + active["Tag: Roxham Road"])
    assert titles(removed) == names(coverage, "stca_roxham")


def test_filter_form_shows_current_values(client, coverage):
    html = client.get("/?q=roxham&published_after=2023-01-01").text
    assert 'value="roxham"' in html
    assert 'value="2023-01-01"' in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("published_after=not-a-date", "Enter a valid date"),
        ("published_before=2023-02-30", "Enter a valid date"),
        ("published_after=2024-01-01&published_before=2023-01-01", "end date is before"),
        ("tag=no-such-tag", "Select a valid choice"),
        ("source=no-such-outlet", "Select a valid choice"),
        ("kind=tabloid", "Select a valid choice"),
        ("country=XX", "Select a valid choice"),
        ("language=klingon", "Select a valid choice"),
        ("ordering=-secret_field", "Select a valid choice"),
    ],
)
def test_invalid_filters_answer_400_with_a_message(client, coverage, query, message):
    response = client.get(f"/?{query}")
    assert response.status_code == 400
    assert "Some filters could not be applied" in response.text
    assert message in response.text
    assert not response.context["page_obj"]


def test_inactive_source_cannot_be_filtered_on(client, coverage):
    SourceFactory(slug="hidden-outlet", is_active=False)
    assert client.get("/?source=hidden-outlet").status_code == 400


def test_filtering_on_status_is_ignored_not_obeyed(client, coverage):
    ArticleFactory(title="Secret draft", status=ArticleStatus.DRAFT)
    response = client.get("/?status=draft")
    assert response.status_code == 200
    assert "Secret draft" not in titles(response)


def test_the_form_offers_the_countries_and_languages_the_coverage_has(client, coverage):
    page = client.get("/").text
    countries = re.search(r'<select id="id_country" name="country">(.*?)</select>', page).group(1)
    assert re.findall(r'<option value="([^"]*)"', countries) == ["", "CA", "US"]
    languages = re.search(r'<select id="id_language" name="language">(.*?)</select>', page)
    assert re.findall(r'<option value="([^"]*)"', languages.group(1)) == ["", "en", "fr"]
    # Any other country is still a valid filter that finds nothing.
    response = client.get("/?country=FR")
    assert response.status_code == 200
    assert titles(response) == set()


def _languages_offered(client) -> list[str]:
    page = client.get("/").text
    languages = re.search(r'<select id="id_language" name="language">(.*?)</select>', page)
    return re.findall(r'<option value="([^"]*)"', languages.group(1))


def test_the_languages_offered_are_those_of_what_is_published(client, coverage):
    """Read from the tallies: a draft's language is not offered until it is published."""
    draft = ArticleFactory(title="Borrador", language="es", status=ArticleStatus.DRAFT)
    assert _languages_offered(client) == ["", "en", "fr"]
    draft.status = ArticleStatus.PUBLISHED
    draft.save()
    # In the order of their names: English, French, Spanish.
    assert _languages_offered(client) == ["", "en", "fr", "es"]
    coverage["french"].delete()
    assert _languages_offered(client) == ["", "en", "es"]
