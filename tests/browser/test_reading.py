"""A reader finds coverage in Chromium: filters, facets, pages, phrase search,
the coverage chart and a story."""

import datetime
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.factories import ArticleFactory, SourceFactory, TagFactory


def noon(year: int, month: int, day: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, 12))


def results(page: Page):
    return page.get_by_role("region", name="Results")


def headlines(page: Page):
    return results(page).get_by_role("heading", level=3)


def chips(page: Page):
    return page.get_by_role("list", name="Filters in force").get_by_role("listitem")


@pytest.fixture
def crossings():
    asylum = TagFactory(name="Asylum", slug="asylum")
    roxham = TagFactory(name="Roxham Road", slug="roxham-road")
    ArticleFactory(
        title="Asylum claims climb at Roxham Road",
        summary="Claims rose again at the crossing south of Montreal.",
        published_at=noon(2024, 3, 10),
        tags=[asylum, roxham],
    )
    ArticleFactory(
        title="Winter crossing leaves families stranded",
        summary="Asylum seekers waited in the snow.",
        published_at=noon(2023, 11, 5),
        tags=[asylum],
    )
    ArticleFactory(
        title="Ports of entry report fewer crossings",
        summary="Officers saw a quieter month.",
        published_at=noon(2024, 2, 1),
    )
    ArticleFactory(
        title="Trade talks resume in Ottawa",
        summary="Tariffs, not people, top the agenda.",
        published_at=noon(2024, 1, 20),
    )


def test_reader_adds_filters_then_removes_one(page, new_page, crossings):
    page.goto("/")
    expect(page.get_by_role("status")).to_have_text("4 articles")

    page.get_by_role("searchbox", name="Search").fill("crossing")
    page.get_by_text("More filters").click()
    page.get_by_role("listbox", name="Tags").select_option(label="Asylum")
    page.get_by_label("Published on or after").fill("2024-01-01")
    page.get_by_role("button", name="Apply").click()

    expect(page.get_by_role("status")).to_have_text("1 article")
    expect(headlines(page)).to_have_text(["Asylum claims climb at Roxham Road"])
    expect(chips(page)).to_contain_text(
        ["Search: “crossing”", "Tag: Asylum", "Published: from 1 Jan 2024"]
    )

    page.get_by_role("link", name="Remove filter Published: from 1 Jan 2024").click()
    # With a search the order is by relevance: a match in the headline first.
    expect(page.get_by_role("status")).to_have_text("2 articles")
    expect(headlines(page)).to_have_text(
        ["Winter crossing leaves families stranded", "Asylum claims climb at Roxham Road"]
    )
    expect(chips(page)).to_contain_text(["Search: “crossing”", "Tag: Asylum"])
    expect(chips(page)).to_have_count(2)

    shared = page.url
    page.reload()
    expect(page.get_by_role("status")).to_have_text("2 articles")
    # Someone else opening the link, with none of this reader's history.
    other = new_page()
    other.goto(shared)
    expect(other.get_by_role("status")).to_have_text("2 articles")
    expect(headlines(other)).to_have_text(
        ["Winter crossing leaves families stranded", "Asylum claims climb at Roxham Road"]
    )
    expect(chips(other)).to_contain_text(["Search: “crossing”", "Tag: Asylum"])


def test_reader_pages_through_results_and_keeps_the_filter(page):
    asylum = TagFactory(name="Asylum", slug="asylum")
    tagged = ArticleFactory.create_batch(25, tags=[asylum])
    ArticleFactory.create_batch(3)
    newest_first = [article.title for article in tagged]  # the factory dates them ever older

    page.goto("/")
    page.get_by_text("More filters").click()
    page.get_by_role("listbox", name="Tags").select_option(label="Asylum")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("status")).to_have_text("25 articles")
    expect(headlines(page)).to_have_text(newest_first[:20])
    expect(page.get_by_role("navigation", name="Pages")).to_contain_text("Page 1 of 2")

    page.get_by_role("link", name="Older →").click()
    expect(page).to_have_url(re.compile(r"[?&]page=2(&|$)"))
    expect(headlines(page)).to_have_text(newest_first[20:])
    expect(chips(page)).to_have_text([re.compile("^Tag: Asylum")])
    expect(page.get_by_role("navigation", name="Pages")).to_contain_text("Page 2 of 2")
    expect(page.get_by_role("link", name="Older →")).to_have_count(0)

    page.get_by_role("link", name="← Newer").click()
    expect(headlines(page)).to_have_text(newest_first[:20])


def test_reader_opens_a_story_from_its_card(page):
    outlet = SourceFactory(name="La Presse", slug="la-presse")
    tags = [TagFactory(name="Asylum"), TagFactory(name="Roxham Road")]
    ArticleFactory(title="An older story", published_at=noon(2023, 5, 1))
    ArticleFactory(
        title="Quebec asks Ottawa to share the cost of asylum claims",
        source=outlet,
        summary="The province wants federal money for housing and legal aid.",
        tags=tags,
    )

    page.goto("/")
    results(page).get_by_role("link", name="Quebec asks Ottawa to share").click()

    expect(page).to_have_url(re.compile("/articles/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Quebec asks Ottawa to share the cost of asylum claims"
    )
    story = page.get_by_role("article")
    expect(story.get_by_role("link", name="La Presse")).to_be_visible()
    expect(page.get_by_role("region", name="Summary")).to_contain_text(
        "The province wants federal money for housing and legal aid."
    )
    expect(story.locator(".tags").get_by_role("listitem")).to_have_text(["Asylum", "Roxham Road"])


def test_quoted_phrase_finds_the_phrase_not_the_words_apart(page):
    ArticleFactory(
        title="Ottawa defends the deal at the border",
        summary="Ministers said the safe third country agreement still works.",
    )
    ArticleFactory(
        title="Is the United States a safe place to claim asylum?",
        summary="A third report on the country's asylum system.",
    )

    page.goto("/")
    page.get_by_role("searchbox", name="Search").fill('"safe third country"')
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile("q=%22safe"))

    expect(headlines(page)).to_have_text(["Ottawa defends the deal at the border"])


def test_reader_follows_a_chart_bar_to_that_months_articles(page):
    this_month = timezone.localdate().replace(day=1)
    last_month_end = this_month - datetime.timedelta(days=1)
    last_month = last_month_end.replace(day=1)
    month_before = (last_month - datetime.timedelta(days=1)).replace(day=1)
    for day in (3, 17):
        ArticleFactory(
            title=f"Last month, day {day}",
            published_at=noon(last_month.year, last_month.month, day),
        )
    for day in (2, 9, 23):
        ArticleFactory(
            title=f"The month before, day {day}",
            published_at=noon(month_before.year, month_before.month, day),
        )

    page.goto("/")
    bars = page.locator("svg.coverage-chart a")
    links = bars.evaluate_all(
        "bars => bars.map(a => a.getAttribute('href') ?? a.getAttribute('xlink:href'))"
    )
    queries = [parse_qs(urlsplit(link or "").query) for link in links]
    wanted = [q.get("published_after") == [last_month.isoformat()] for q in queries]
    assert any(wanted), f"no chart bar links to {last_month:%B %Y}; bars link to {links}"

    # A bar is a link named by its month and count, for screen readers too.
    bar = page.get_by_role("link", name=f"{last_month:%B %Y}: 2 articles", exact=True)
    expect(bar).to_have_count(1)
    bar.click()
    expect(page.get_by_role("status")).to_have_text("2 articles")
    expect(headlines(page)).to_have_text(["Last month, day 17", "Last month, day 3"])
    query = parse_qs(urlsplit(page.url).query)
    assert query["published_after"] == [last_month.isoformat()]
    assert query["published_before"] == [last_month_end.isoformat()]


def test_facets_update_the_results_in_place_and_back_returns(page, crossings):
    page.goto("/")
    expect(page.get_by_role("status")).to_have_text("4 articles")
    # A full page load would lose this; an update in place keeps it.
    page.evaluate("window.stillThesamePage = true")

    page.get_by_role("complementary", name="Narrow down").get_by_role(
        "link", name="Roxham Road"
    ).click()
    expect(page.get_by_role("status")).to_have_text("1 article")
    expect(page).to_have_url(re.compile(r"\?tag=roxham-road$"))
    assert page.evaluate("window.stillThesamePage") is True
    expect(chips(page)).to_have_text(["Tag: Roxham Road ×"])

    page.go_back()
    expect(page.get_by_role("status")).to_have_text("4 articles")
    expect(chips(page)).to_have_count(0)
    assert page.evaluate("window.stillThesamePage") is True


def test_changing_a_select_applies_it_at_once(page, crossings):
    page.goto("/")
    page.get_by_text("More filters").click()
    page.get_by_label("Order").select_option(label="Oldest first")
    expect(page).to_have_url(re.compile("ordering=oldest"))
    expect(headlines(page).first).to_have_text("Winter crossing leaves families stranded")


def test_a_slow_earlier_update_never_replaces_a_later_one(page, crossings):
    """Two changes in quick succession: the results and the address are the
    second's, even when the first one's answer arrives last."""
    held = []

    def hold(route):
        held.append(route)

    page.goto("/")
    expect(page.get_by_role("status")).to_have_text("4 articles")
    page.route(lambda url: "ordering=oldest" in url, hold)

    page.get_by_text("More filters").click()
    page.get_by_label("Order").select_option(label="Oldest first")
    page.get_by_role("complementary", name="Narrow down").get_by_role(
        "link", name="Roxham Road"
    ).click()
    expect(page.get_by_role("status")).to_have_text("1 article")
    expect(page).to_have_url(re.compile(r"\?tag=roxham-road$"))

    # Now the first answer comes, late; wait until the page has it (or, once
    # the script dropped that request, until Chromium says it failed).
    assert len(held) == 1
    held[0].continue_()
    late = held[0].request.response()
    if late is not None:
        late.finished()
    page.evaluate("() => new Promise((done) => setTimeout(done, 200))")

    expect(page.get_by_role("status")).to_have_text("1 article")
    expect(headlines(page)).to_have_text(["Asylum claims climb at Roxham Road"])
    expect(page).to_have_url(re.compile(r"\?tag=roxham-road$"))
