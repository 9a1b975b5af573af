"""The hot queries of the public pages are served by indexes (EXPLAIN).

With sequential scans priced out, a query that has an index to use shows it
in its plan; on a table of a few rows the planner would rightly scan instead.
The list must also come in index order, with no sort, however deep the page.
On SQLite, a search's matches are counted from a narrow index, not their rows.
"""

import datetime

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.counting import live_counts
from articles.filters import ArticleFilter, public_filterset
from articles.models import Article
from articles.search import GIN_INDEXES
from articles.tallies import tallied_counts, tallies_held
from tests.factories import SourceFactory, TagFactory
from tests.test_security import manage, production_settings

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="plans of PostgreSQL"
)
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="plans of SQLite")


ROWS = 3000


@pytest.fixture
def archive(db):
    """A few thousand articles over ten years: enough for the planner to weigh
    indexes as it does at scale, where a handful of rows is one page to scan."""
    sources = [SourceFactory(slug=f"outlet-{i}") for i in range(30)]
    tags = [TagFactory(slug=f"tag-{i}") for i in range(40)]
    now = timezone.now()
    # Loaded round the models' signals, as a bulk load is: tallied once after.
    with tallies_held():
        _load(sources, tags, now)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # As after a bulk load: the GIN index's pending entries merged.
            for name in GIN_INDEXES:
                cursor.execute("SELECT gin_clean_pending_list(%s)", [name])
        cursor.execute("ANALYZE")


def _load(sources, tags, now):
    articles = Article.objects.bulk_create(
        Article(
            title=f"Story {i}",
            slug=f"story-{i}",
            source=sources[i % 30],
            status="published" if i % 10 else "draft",
            language="fr" if i % 10 == 3 else "en",
            published_at=now - datetime.timedelta(hours=29 * i),
            # One in a hundred, of every language.
            body="<p>Roxham Road.</p>" if i % 100 in (0, 1, 3) else "<p>Budget talks.</p>",
        )
        for i in range(ROWS)
    )
    Through = Article.tags.through
    Through.objects.bulk_create(
        Through(article=article, tag=tags[(i * k) % 40 if k else 0])
        for i, article in enumerate(articles)
        for k in range(3)
        if k == 0 or (i * k) % 40
    )


def page_ids(query: str, *, page: int = 1):
    """The ids query of a list page, as IdFirstPaginator runs it."""
    filterset = ArticleFilter(QueryDict(query), queryset=Article.objects.published())
    assert filterset.is_valid(), filterset.errors
    return filterset.qs.values_list("pk", flat=True)[(page - 1) * 20 : page * 20]


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


# (query string of the list, page, what its plan must show, what it must not)
CASES = [
    ("", 1, ["Index Only Scan using article_public_idx"], ["Sort"]),
    # Deep into the list, as page 2000 of a million is.
    ("", 6, ["Index Only Scan using article_public_idx"], ["Sort"]),
    ("published_after=2023-03-01&published_before=2023-03-31", 1, ["article_public_idx"], ["Sort"]),
    ("tag=tag-0", 1, ["article_tags"], ["Seq Scan"]),
    ("tag=tag-7", 1, ["article_tags"], ["Seq Scan"]),
    (
        "source=outlet-3",
        1,
        ["articles_article_source_id", "articles_article_wire_service_id"],
        ["Seq Scan"],
    ),
    ("q=roxham", 1, ["article_search_other_gin", "article_search_fr_gin"], ["Seq Scan"]),
    ("language=fr", 1, [], ["Seq Scan"]),
]


@postgresql_only
def test_each_hot_query_is_served_by_an_index(archive):
    failures = []
    for query, page, wanted, unwanted in CASES:
        explained = plan(page_ids(query, page=page))
        missing = [w for w in wanted if w not in explained]
        found = [u for u in unwanted if u in explained]
        if missing or found:
            failures.append(f"?{query} page {page}: {missing=} {found=}\n{explained}")
    assert not failures, "\n\n".join(failures)


@postgresql_only
def test_the_articles_come_due_since_the_tallies_clock_are_found_by_the_index(archive):
    """Every tallied list asks which articles came due since the tallies' clock.
    Without the status that the list's index is led by, PostgreSQL walked the
    whole index for the range of dates: 100 ms of every list at a million."""
    with CaptureQueriesContext(connection) as queries:
        tallied_counts([""])
    (due,) = [q["sql"] for q in queries.captured_queries if '"publish_at" >' in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + due)
        steps = [row[0].strip() for row in cursor.fetchall()]
    scan = steps.index(next(s for s in steps if "Index Scan on article_public_idx" in s))
    assert steps[scan + 1].startswith("Index Cond: (((status)::text = 'published'"), steps


@postgresql_only
def test_an_articles_related_coverage_is_looked_up_by_id(archive):
    """The candidates, the newest articles of each of the article's tags, are
    one set of ids: as an OR of one subquery a tag, PostgreSQL checked every
    article against each (half a second at a million)."""
    article = Article.objects.published().filter(tags__slug="tag-3").first()
    assert article.tags.count() > 1
    explained = plan(Article.objects.published().related_to(article))
    # Not filtered by the tags' subqueries, article by article, but joined to them.
    assert "SubPlan" not in explained, explained


def search_count_plans(query: str, *, marker: str, explain: str) -> list[list[str]]:
    """The plan, step by step, of each query that `live_counts` makes to find
    the matches of the search `query` (those whose SQL holds `marker`)."""
    filterset = public_filterset(QueryDict(query))
    assert filterset.is_valid(), filterset.errors
    with CaptureQueriesContext(connection) as queries:
        counts = live_counts(filterset.qs)
    assert counts["all"][""] > 0
    searching = [q["sql"] for q in queries.captured_queries if marker in q["sql"]]
    assert len(searching) == 3
    plans = []
    with connection.cursor() as cursor:
        for sql in searching:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"{explain} {sql}")
            plans.append([str(row[-1]).strip() for row in cursor.fetchall()])
    return plans


@sqlite_only
@pytest.mark.parametrize("query", ["q=budget", "q=budget&language=fr", "q=budget&source=outlet-3"])
def test_a_searchs_matches_are_counted_from_the_narrow_index(archive, query):
    """Each count that finds a search's matches reads their status, dates,
    outlet and language from `article_facts_idx`, not from their rows, which
    keep those columns after the texts."""
    for steps in search_count_plans(query, marker="MATCH", explain="EXPLAIN QUERY PLAN"):
        on_articles = [
            step for step in steps if step.split(" ")[1:2] in (["articles_article"], ["U0"])
        ]
        assert on_articles, steps
        assert all("COVERING INDEX article_facts_idx" in step for step in on_articles), steps


@postgresql_only
@pytest.mark.parametrize("query", ["q=roxham", "q=roxham&source=outlet-3", "q=roxham OR road"])
def test_a_searchs_matches_are_found_by_the_indexes_alone(archive, query):
    """Each branch of a search's OR (French, the rest) has its own index, so no
    match is checked again against its search vector, which is stored out of
    line: reading it back for each match cost most of a common word's search."""
    for steps in search_count_plans(query, marker="@@", explain="EXPLAIN"):
        assert any("article_search_other_gin" in step for step in steps), steps
        assert any("article_search_fr_gin" in step for step in steps), steps
        filters = [step for step in steps if step.startswith("Filter:")]
        assert not any("search_vector" in step for step in filters), "\n".join(steps)


@postgresql_only
def test_the_database_has_a_search_index_for_each_branch_and_no_other(db):
    """A language given a configuration of its own makes a branch of its own,
    and so a GIN_INDEXES entry: without a migration that creates it, this fails
    (searches would stay right, but check each match's vector again)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'articles_article' "
            "AND indexdef LIKE '%%USING gin (search_vector)%%'"
        )
        assert {name for (name,) in cursor.fetchall()} == set(GIN_INDEXES)


@postgresql_only
def test_a_search_has_memory_enough_for_an_exact_bitmap(db):
    """With PostgreSQL's 4 MB, the bitmap of a common word's matches at a
    million articles was lossy, and each match on a lossy page was checked
    again against its search vector: the common search took 16 s cold, and
    3 s with 64 MB. Too small a test archive to show it, so the setting."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT setting::int, unit FROM pg_settings WHERE name = 'work_mem'")
        assert cursor.fetchone() >= (64 * 1024, "kB")


@postgresql_only
def test_queries_are_neither_jit_compiled_nor_run_in_parallel(db):
    """Compiling took 30 ms of an article page's 100 at a million, and parallel
    workers took the cores the other app processes serve on: an article page
    under load made 8 a second with them, 25 without."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone() == ("0",)


POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/newsroom"


def test_the_memory_is_added_to_the_database_urls_own_options():
    url = POSTGRES_URL + "?options=-c%20statement_timeout%3D5000"
    databases = production_settings("DATABASES", DATABASE_URL=url, DATABASE_WORK_MEM="128MB")
    options = databases["DATABASES"]["default"]["OPTIONS"]["options"]
    # The URL's own options come after the app's defaults, so that they may undo them.
    assert options == (
        "-c jit=off -c max_parallel_workers_per_gather=0 -c statement_timeout=5000 "
        "-c work_mem=128MB"
    )


@pytest.mark.parametrize("value", ["64 MB", "lots", "0MB", "64mb", "64MB -c fsync=off"])
def test_memory_that_is_no_amount_is_refused_with_its_name(value):
    result = manage("check", DATABASE_URL=POSTGRES_URL, DATABASE_WORK_MEM=value)
    assert result.returncode != 0
    assert "DATABASE_WORK_MEM is an amount of memory such as 64MB" in result.stderr
