"""A small curated demo dataset for Newsroom, and the demo editor's login.

The data is written from two real web pages: a WorkersRights post on Canada
offering to take in Central American migrants, and a Canadian Press story run
by Darpan on the immigration ministers' meeting in Washington, with the other
headlines those two pages list. Headlines, outlets, bylines, dates, names and
figures are as the pages give them; every summary, body, note and description
is in our own words. Nothing here reads the pages at run time.

`demo_load()` and `demo_editor_ensure()` are idempotent: running them again
creates nothing and, when nothing was changed by hand, writes nothing.
For development and demos only; the editor's password is public.
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import models, transaction

from .models import Article, ArticleStatus, Source, SourceKind, Tag, TagKind
from .roles import roles_ensure
from .sanitize import sanitize_html

User = get_user_model()

EDITOR_USERNAME = "editor"
EDITOR_PASSWORD = "newsroom-editor"
EDITORS_GROUP = "Editors"

# A contributor, to try the roles: writes and sends to review, cannot publish.
CONTRIBUTOR_USERNAME = "contributor"
CONTRIBUTOR_PASSWORD = "newsroom-contributor"
CONTRIBUTORS_GROUP = "Contributors"

# Darpan is a Vancouver-area outlet; its page gives local time.
PACIFIC = ZoneInfo("America/Vancouver")


def _day(year: int, month: int, day: int) -> datetime:
    """A date the page gives without a time: noon UTC, which keeps that date
    everywhere from UTC-11 to UTC+11."""
    return datetime(year, month, day, 12, tzinfo=UTC)


SOURCES = [
    {
        "slug": "workersrights",
        "name": "WorkersRights",
        "kind": SourceKind.NGO,
        "country": "",
        "language": "en",
        "description": (
            "An advocacy website that writes about workers' rights, migrant labour "
            "and human rights around the world."
        ),
        "homepage": "",
        "feed_url": "",
        "is_active": True,
    },
    {
        "slug": "darpan",
        "name": "Darpan",
        "kind": SourceKind.MAGAZINE,
        "country": "CA",
        "language": "en",
        "description": (
            "A Vancouver-area publication whose National section carries Canadian "
            "Press stories under its own news desk."
        ),
        "homepage": "",
        "feed_url": "",
        "is_active": True,
    },
    {
        "slug": "the-canadian-press",
        "name": "The Canadian Press",
        "kind": SourceKind.WIRE,
        "country": "CA",
        "language": "en",
        "description": (
            "Canada's national news agency, whose stories are picked up by outlets "
            "across the country."
        ),
        "homepage": "",
        "feed_url": "",
        "is_active": True,
    },
]

TAGS = [
    # Policies
    {
        "slug": "safe-third-country-agreement",
        "name": "Safe Third Country Agreement",
        "aliases": "STCA\nSCTA\nSafe Third Country",
        "kind": TagKind.POLICY,
        "description": (
            "The 2004 Canada–US pact under which each country can send back asylum "
            "seekers who arrive from the other at an official port of entry."
        ),
    },
    {
        "slug": "immigration-levels",
        "name": "Immigration levels",
        "kind": TagKind.POLICY,
        "description": (
            "Ottawa's yearly targets for how many permanent residents and refugees Canada admits."
        ),
    },
    # Topics
    {
        "slug": "asylum",
        "name": "Asylum",
        "kind": TagKind.TOPIC,
        "description": (
            "People asking for protection as refugees, and how their claims are handled."
        ),
    },
    {
        "slug": "refugee-resettlement",
        "name": "Refugee resettlement",
        "kind": TagKind.TOPIC,
        "description": (
            "Bringing refugees selected abroad, often on a UN referral, to settle "
            "permanently in a new country."
        ),
    },
    {
        "slug": "irregular-crossings",
        "name": "Irregular crossings",
        "aliases": "Irregular migration\nUnofficial crossings",
        "kind": TagKind.TOPIC,
        "description": (
            "People entering a country between official border posts rather than "
            "at a port of entry."
        ),
    },
    {
        "slug": "canada-us-relations",
        "name": "Canada–US relations",
        "aliases": "Canada-US relations\nCanada-U.S. relations",
        "kind": TagKind.TOPIC,
        "description": "Dealings between the Canadian and American governments.",
    },
    {
        "slug": "migrant-workers",
        "name": "Migrant workers",
        "kind": TagKind.TOPIC,
        "description": "People who move to another country to work, and the conditions they face.",
    },
    {
        "slug": "labour-rights",
        "name": "Labour rights",
        "kind": TagKind.TOPIC,
        "description": "Workers' legal protections, pay, safety and freedom to organise.",
    },
    {
        "slug": "public-opinion",
        "name": "Public opinion",
        "kind": TagKind.TOPIC,
        "description": "Polls and surveys of what people think about migration policy.",
    },
    {
        "slug": "labour-shortages",
        "name": "Labour shortages",
        "kind": TagKind.TOPIC,
        "description": (
            "Jobs employers cannot fill, often cited as a reason to admit more newcomers."
        ),
    },
    # Places
    {
        "slug": "northern-border",
        "name": "Northern border",
        "kind": TagKind.PLACE,
        "description": (
            "The land border between Canada and the United States, seen from the US side."
        ),
    },
    {
        "slug": "roxham-road",
        "name": "Roxham Road",
        "aliases": "Chemin Roxham",
        "kind": TagKind.PLACE,
        "description": (
            "A road south of Montreal that became Canada's busiest unofficial "
            "crossing point for asylum seekers coming from New York State."
        ),
    },
    {
        "slug": "quebec",
        "name": "Quebec",
        "aliases": "Québec",
        "kind": TagKind.PLACE,
        "description": "The province where most irregular crossings from the US take place.",
    },
    {
        "slug": "middle-east",
        "name": "Middle East",
        "kind": TagKind.PLACE,
        "description": (
            "The Gulf states, Israel and their neighbours, where many migrant workers are employed."
        ),
    },
    # People
    {
        "slug": "marco-mendicino",
        "name": "Marco Mendicino",
        "kind": TagKind.PERSON,
        "description": "Canada's immigration minister from late 2019 to late 2021.",
    },
    {
        "slug": "sean-fraser",
        "name": "Sean Fraser",
        "kind": TagKind.PERSON,
        "description": "Canada's immigration minister from late 2021 to mid-2023.",
    },
    {
        "slug": "alejandro-mayorkas",
        "name": "Alejandro Mayorkas",
        "kind": TagKind.PERSON,
        "description": "US Secretary of Homeland Security in the Biden administration.",
    },
    {
        "slug": "francois-legault",
        "name": "François Legault",
        "kind": TagKind.PERSON,
        "description": "Premier of Quebec and leader of the Coalition Avenir Québec.",
    },
    {
        "slug": "justin-trudeau",
        "name": "Justin Trudeau",
        "kind": TagKind.PERSON,
        "description": (
            "Prime Minister of Canada from 2015 to 2025, as leader of the Liberal Party."
        ),
    },
    {
        "slug": "joe-biden",
        "name": "Joe Biden",
        "kind": TagKind.PERSON,
        "description": "President of the United States from January 2021 to January 2025.",
    },
    # Organisations
    {
        "slug": "unhcr",
        "name": "UNHCR",
        "aliases": "UN Refugee Agency\nUnited Nations High Commissioner for Refugees",
        "kind": TagKind.ORGANISATION,
        "description": (
            "The UN refugee agency, which refers refugees to countries such as "
            "Canada for resettlement."
        ),
    },
    {
        "slug": "united-nations",
        "name": "United Nations",
        "kind": TagKind.ORGANISATION,
        "description": (
            "The UN and its committees, apart from the refugee agency, which has its own tag."
        ),
    },
    {
        "slug": "us-customs-and-border-protection",
        "name": "U.S. Customs and Border Protection",
        "aliases": "CBP\nUS Customs and Border Protection",
        "kind": TagKind.ORGANISATION,
        "description": "The US agency that guards the borders and counts encounters with migrants.",
    },
    {
        "slug": "rcmp",
        "name": "RCMP",
        "aliases": "Royal Canadian Mounted Police\nGRC",
        "kind": TagKind.ORGANISATION,
        "description": (
            "Canada's federal police, which intercepts people who cross the border "
            "between official ports of entry."
        ),
    },
    {
        "slug": "northern-border-security-caucus",
        "name": "Northern Border Security Caucus",
        "kind": TagKind.ORGANISATION,
        "description": (
            "A group of Republican members of Congress formed in 2023 to press for "
            "tighter security on the US–Canada border."
        ),
    },
]

_OFF_THE_BEAT_REVIEW = (
    "Migration-adjacent but off the Canada–US border beat; waiting for an editor to decide."
)

ARTICLES = [
    # The two main stories.
    {
        "slug": "canada-is-set-to-share-us-load-of-massive-migrants-influx-from-central-america",
        "title": "Canada is set to share US load of massive migrants influx from Central America",
        "source": "workersrights",
        "wire_service": None,
        "byline": "admin",
        "published_at": None,
        "url": "",
        "status": ArticleStatus.PUBLISHED,
        "language": "en",
        "summary": (
            "Immigration Minister Marco Mendicino says Canada has room in its current "
            "levels plan to take some of the Central American migrants arriving at the "
            "US border with Mexico, after his first call with US Homeland Security "
            "Secretary Alejandro Mayorkas since Joe Biden became president. Canada aims "
            "to resettle 36,000 refugees in 2021. His spokesperson played down taking "
            "people already in US custody, since Canada resettles refugees referred by "
            "the UNHCR. Mendicino also wants the Safe Third Country Agreement (STCA) "
            "expanded to cover the whole Canada–US border, not only official ports of "
            "entry."
        ),
        "body": (
            "<p>Marco Mendicino, Canada's immigration minister, told Reuters that Canada "
            "is ready to help the United States cope with the number of Central American "
            "migrants reaching its southern border, which the post calls the highest in "
            "two decades.</p>"
            "<p>The offer followed his first phone call with US Homeland Security "
            "Secretary Alejandro Mayorkas since Joe Biden took office. Migration from "
            "Central America topped the agenda; the two also discussed their shared "
            "border and a renewed Canada–US relationship.</p>"
            "<blockquote><p>“I certainly think that we have the capacity within our "
            "existing levels plan to accommodate more refugees.”</p>"
            "<p>— Marco Mendicino, to Reuters</p></blockquote>"
            "<p>Canada's target for 2021 is 36,000 resettled refugees. Mendicino did not "
            "rule out accepting migrants held in US custody, but his spokesperson "
            "thought it unlikely, because Canada resettles refugees on referral from the "
            "UN High Commissioner for Refugees. The US Department of Homeland Security "
            "did not comment at first.</p>"
            "<p>Mendicino said both governments value the Safe Third Country Agreement, "
            "which lets officials turn back asylum seekers at official ports of entry, "
            "and that Canada would like it to apply along the entire border.</p>"
        ),
        "editor_note": (
            "The page gives no publication date (its mention of Canada's 2021 "
            "resettlement target places it in 2021) and abbreviates the agreement as "
            "“SCTA”."
        ),
        "tags": [
            "safe-third-country-agreement",
            "refugee-resettlement",
            "asylum",
            "canada-us-relations",
            "marco-mendicino",
            "alejandro-mayorkas",
            "joe-biden",
            "unhcr",
        ],
    },
    {
        "slug": "immigration-minister-meeting-counterpart-in-dc",
        "title": "Immigration minister meeting counterpart in D.C.",
        "source": "darpan",
        "wire_service": "the-canadian-press",
        "byline": "Darpan News Desk, The Canadian Press",
        "published_at": datetime(2023, 3, 7, 11, 8, tzinfo=PACIFIC),
        "url": "",
        "status": ArticleStatus.PUBLISHED,
        "language": "en",
        "summary": (
            "Immigration Minister Sean Fraser was due to meet US Homeland Security "
            "Secretary Alejandro Mayorkas in Washington as both governments face "
            "pressure over undocumented migrants crossing their shared border. Quebec "
            "Premier François Legault wants Roxham Road closed and has asked Justin "
            "Trudeau to raise it with Joe Biden, and Trudeau says the Safe Third Country "
            "Agreement, which does not cover crossings between official ports, should be "
            "renegotiated. People intercepted by the RCMP filed more than 39,000 claims "
            "in 2022, most in Quebec. In Congress, the 28 Republicans of the new "
            "Northern Border Security Caucus cite US Customs and Border Protection's "
            "55,736 northern-border encounters from October to January of fiscal 2023, "
            "against about 24,000 a year earlier and 109,535 in all of fiscal 2022."
        ),
        "body": (
            "<p>WASHINGTON — Sean Fraser, Canada's immigration minister, was to meet US "
            "Homeland Security Secretary Alejandro Mayorkas on Tuesday and then speak to "
            "reporters at the Canadian Embassy, as both countries come under pressure "
            "over irregular migration across their border.</p>"
            "<p>On the Canadian side the pressure comes mostly from Quebec, where Premier "
            "François Legault has pushed Ottawa to act on the tens of thousands of asylum "
            "seekers arriving from the US each year. Prime Minister Justin Trudeau has "
            "said it is time to renegotiate the 2004 Safe Third Country Agreement.</p>"
            "<p>The agreement lets either country refuse third-country claimants who ask "
            "for asylum at an official port of entry, but not people who cross between "
            "ports, as at Roxham Road, the country's busiest unofficial crossing. People "
            "intercepted by the RCMP filed more than 39,000 claims in 2022, nearly all in "
            "Quebec. Legault wants Trudeau to bring it up with President Joe Biden, "
            "expected in Canada later in March for his first official visit.</p>"
            "<blockquote><p>“Roxham Road will have to be closed eventually, whether we "
            "like it or not.”</p>"
            "<p>— François Legault, in a letter to the prime minister</p></blockquote>"
            "<p>In Washington, Republicans attacking Mayorkas over illegal immigration "
            "have turned some attention north. Twenty-eight of them formed the Northern "
            "Border Security Caucus; they grant that the northern border's problems are "
            "far smaller than those at the Mexican frontier, but point to rising "
            "encounters, and some fault Canada for not requiring visas from Mexican "
            "travellers. US Customs and Border Protection counted 55,736 encounters with "
            "inadmissible people at or near the northern border from October to January, "
            "the first four months of fiscal 2023: more than double the nearly 24,000 of "
            "the same months a year before, and half the 109,535 of all fiscal 2022.</p>"
        ),
        "editor_note": (
            "Follow-up: during Biden's visit to Ottawa on 24 March 2023 the two "
            "governments announced that the Safe Third Country Agreement would extend to "
            "the whole land border, Roxham Road included."
        ),
        "tags": [
            "safe-third-country-agreement",
            "irregular-crossings",
            "roxham-road",
            "northern-border",
            "sean-fraser",
            "alejandro-mayorkas",
            "francois-legault",
            "justin-trudeau",
            "joe-biden",
            "asylum",
            "canada-us-relations",
            "quebec",
            "rcmp",
            "us-customs-and-border-protection",
            "northern-border-security-caucus",
        ],
    },
    # WorkersRights' "Recent Posts".
    {
        "slug": (
            "migrant-workers-returning-from-uae-with-kidney-failure-due-to-extreme-temperatures"
        ),
        "title": (
            "Migrant Workers Returning from UAE With Kidney Failure Due to Extreme Temperatures"
        ),
        "source": "workersrights",
        "published_at": _day(2025, 12, 4),
        "status": ArticleStatus.REVIEW,
        "summary": (
            "Migrant workers coming home from the UAE and other Gulf states are being "
            "treated for kidney failure linked to working in extreme heat."
        ),
        "editor_note": _OFF_THE_BEAT_REVIEW,
        "tags": ["migrant-workers", "labour-rights", "middle-east"],
    },
    {
        "slug": "philippines-ofws-in-israel-relocation-trauma-support-after-2025-border-tensions",
        "title": (
            "Philippines OFWs in Israel: Relocation & Trauma Support After 2025 Border Tensions"
        ),
        "source": "workersrights",
        "published_at": _day(2025, 12, 4),
        "status": ArticleStatus.REVIEW,
        "summary": (
            "Filipino workers in Israel, caught up in conflict once more, and the "
            "relocation and trauma care offered to them after the 2025 border tensions."
        ),
        "editor_note": _OFF_THE_BEAT_REVIEW,
        "tags": ["migrant-workers", "labour-rights", "middle-east"],
    },
    {
        "slug": (
            "tea-garden-workers-get-land-rights-how-land-ownership-could-change-labour-"
            "justice-in-rural-india"
        ),
        "title": (
            "Tea Garden Workers Get Land Rights — How Land Ownership Could Change "
            "Labour Justice in Rural India"
        ),
        "source": "workersrights",
        "published_at": _day(2025, 12, 4),
        "status": ArticleStatus.ARCHIVED,
        "summary": (
            "Indian tea plantation labourers, long housed on land they never owned, gain "
            "title to it, and what that could mean for rural workers."
        ),
        "editor_note": "Off the beat: land and labour rights in India.",
    },
    {
        "slug": (
            "us-executive-order-against-the-muslim-brotherhood-framed-as-a-global-"
            "security-imperative"
        ),
        "title": (
            "U.S. Executive Order Against the Muslim Brotherhood Framed as a Global "
            "Security Imperative"
        ),
        "source": "workersrights",
        "published_at": _day(2025, 12, 4),
        "status": ArticleStatus.ARCHIVED,
        "summary": (
            "Commentary presenting a recent US executive order aimed at the Muslim "
            "Brotherhood as a matter of worldwide security."
        ),
        "editor_note": "Off the beat: security policy, not migration.",
    },
    {
        "slug": (
            "why-the-un-migration-committees-2025-recommendations-could-transform-"
            "migrant-worker-rights-worldwide"
        ),
        "title": (
            "Why the UN Migration Committee’s 2025 Recommendations Could Transform "
            "Migrant-Worker Rights Worldwide"
        ),
        "source": "workersrights",
        "published_at": _day(2025, 12, 4),
        "status": ArticleStatus.PUBLISHED,
        "summary": (
            "Argues that the UN Migration Committee's 2025 recommendations ask "
            "governments to treat migrant workers differently and could strengthen "
            "their rights everywhere."
        ),
        "tags": ["migrant-workers", "labour-rights", "united-nations"],
    },
    {
        "slug": (
            "from-brick-kilns-to-tech-startups-indias-contract-workers-need-fair-legal-protection"
        ),
        "title": (
            "From Brick Kilns to Tech Startups: India’s Contract Workers Need Fair Legal Protection"
        ),
        "source": "workersrights",
        "published_at": _day(2025, 12, 3),
        "status": ArticleStatus.DRAFT,
        "summary": (
            "Makes the case that the millions of contract workers behind India's growth, "
            "from brick kilns to start-ups, lack the legal protection they need."
        ),
        "editor_note": "Off the beat: contract labour law in India.",
    },
    # Darpan's "MORE National ARTICLES"; the page dates none of them.
    {
        "slug": "canadians-divided-on-immigration-plan-poll",
        "title": "Canadians divided on immigration plan: poll",
        "source": "darpan",
        "status": ArticleStatus.PUBLISHED,
        "summary": (
            "An online survey of 1,537 Canadians, taken Nov. 11–13, finds them split on "
            "Ottawa's plan to admit 500,000 immigrants a year from 2025 to ease labour "
            "shortages."
        ),
        "editor_note": "The page lists this story without a date.",
        "tags": ["immigration-levels", "public-opinion", "labour-shortages"],
    },
    {
        "slug": "g20-summit-ends-with-agenda-aligned-with-canada",
        "title": "G20 summit ends with agenda aligned with Canada",
        "source": "darpan",
        "status": ArticleStatus.ARCHIVED,
        "summary": (
            "The G20 summit in Indonesia closed with more agreement than expected, much "
            "of it in line with the Trudeau government's aims."
        ),
        "editor_note": "Off the beat: foreign policy.",
    },
    {
        "slug": "ottawa-unsure-if-its-reducing-homelessness-ag",
        "title": "Ottawa unsure if it’s reducing homelessness: AG",
        "source": "darpan",
        "status": ArticleStatus.ARCHIVED,
        "summary": (
            "The auditor general finds that Infrastructure Canada and Employment and "
            "Social Development Canada cannot tell whether their programs improve "
            "housing for homeless people."
        ),
        "editor_note": "Off the beat: housing.",
    },
    {
        "slug": "coquitlam-rcmp-ask-is-this-your-ring",
        "title": "Coquitlam RCMP ask: Is this your ring?",
        "source": "darpan",
        "status": ArticleStatus.ARCHIVED,
        "summary": (
            "Coquitlam RCMP are looking for the owner of a ring a passer-by found on a "
            "trail in Rolley Lake Provincial Park, Mission, in September 2022."
        ),
        "editor_note": "Off the beat: local police news.",
    },
    {
        "slug": "merritt-rcmp-investigating-series-of-early-morning-shootings",
        "title": "Merritt RCMP investigating series of early morning shootings",
        "source": "darpan",
        "status": ArticleStatus.ARCHIVED,
        "summary": (
            "Merritt RCMP think a string of early-morning shootings were related and "
            "targeted; their investigation has only just begun."
        ),
        "editor_note": "Off the beat: local crime.",
    },
    {
        "slug": "flu-epidemic-has-begun-as-rates-soar-phac",
        "title": "Flu epidemic has begun as rates soar: PHAC",
        "source": "darpan",
        "status": ArticleStatus.DRAFT,
        "summary": (
            "PHAC's FluWatch declares a flu epidemic in Canada after test positivity "
            "reached 11.7 per cent in the week of Oct. 30 to Nov. 5, up from 6.3 per "
            "cent the week before."
        ),
        "editor_note": "Off the beat: public health.",
    },
]

# What an article in ARTICLES leaves out: a headline from a list, with no
# byline, link, date, body or tags given.
ARTICLE_DEFAULTS = {
    "wire_service": None,
    "byline": "",
    "published_at": None,
    "url": "",
    "language": "en",
    "body": "",
    "editor_note": "",
    "tags": [],
}


def _upsert[M: models.Model](model: type[M], *, slug: str, values: dict) -> tuple[M, str]:
    """`update_or_create(slug=slug, defaults=values)`, validating before it writes.

    `full_clean()` runs on every row, so bad demo data fails loudly, and a row
    that already holds `values` is not saved again. Returns the row and what
    happened to it: "created", "updated" or "unchanged".
    """
    obj = model._default_manager.select_for_update().filter(slug=slug).first()
    if obj is None:
        obj, outcome = model(slug=slug, **values), "created"
    else:
        outcome = "unchanged"
        for name, value in values.items():
            if getattr(obj, name) != value:
                setattr(obj, name, value)
                outcome = "updated"
    obj.full_clean()
    if outcome != "unchanged":
        obj.save()
    return obj, outcome


def _upsert_all[M: models.Model](model: type[M], rows: list[dict], outcomes: list[str]) -> dict:
    """`_upsert` each row, keyed on its slug; returns the rows by slug."""
    by_slug = {}
    for data in rows:
        values = dict(data)
        slug = values.pop("slug")
        by_slug[slug], outcome = _upsert(model, slug=slug, values=values)
        outcomes.append(outcome)
    return by_slug


def demo_load() -> dict[str, int]:
    """Create or update the demo sources, tags and articles, in one transaction.

    Returns how many of each the dataset holds, and how many rows were
    "created" and "updated" by this run (both 0 on a second run).
    """
    outcomes: list[str] = []
    with transaction.atomic():
        sources = _upsert_all(Source, SOURCES, outcomes)
        tags = _upsert_all(Tag, TAGS, outcomes)

        for data in ARTICLES:
            values = {**ARTICLE_DEFAULTS, **data}
            slug = values.pop("slug")
            tag_slugs = values.pop("tags")
            values["source"] = sources[values["source"]]
            if values["wire_service"]:
                values["wire_service"] = sources[values["wire_service"]]
            # Stored as the sanitizer leaves it, so an unchanged body compares equal.
            values["body"] = sanitize_html(values["body"])
            article, outcome = _upsert(Article, slug=slug, values=values)

            wanted = {tags[tag_slug].pk for tag_slug in tag_slugs}
            if outcome == "created" or set(article.tags.values_list("pk", flat=True)) != wanted:
                article.tags.set(wanted)
                if outcome == "unchanged":
                    outcome = "updated"
            outcomes.append(outcome)

    return {
        "sources": len(SOURCES),
        "tags": len(TAGS),
        "articles": len(ARTICLES),
        "created": outcomes.count("created"),
        "updated": outcomes.count("updated"),
    }


def demo_editor_ensure() -> User:
    """The demo editor, staff but not superuser, in the "Editors" group that
    the roles migration makes.

    Creates what is missing and puts back what was changed: a changed password
    is reset to the demo one.
    """
    return _demo_user_ensure(EDITOR_USERNAME, EDITOR_PASSWORD, group=EDITORS_GROUP)


def demo_contributor_ensure() -> User:
    """The demo contributor, in the "Contributors" group: writes, cannot publish."""
    return _demo_user_ensure(CONTRIBUTOR_USERNAME, CONTRIBUTOR_PASSWORD, group=CONTRIBUTORS_GROUP)


def _demo_user_ensure(username: str, password: str, *, group: str) -> User:
    with transaction.atomic():
        if not Group.objects.filter(name=group).exists():
            roles_ensure()
        role = Group.objects.get(name=group)
        user = User._default_manager.filter(username=username).first()
        changed = user is None
        if user is None:
            user = User(username=username)
        if not user.check_password(password):
            user.set_password(password)
            changed = True
        for name, value in (("is_staff", True), ("is_superuser", False), ("is_active", True)):
            if getattr(user, name) != value:
                setattr(user, name, value)
                changed = True
        if changed:
            user.full_clean()
            user.save()
        user.groups.add(role)
    return user
