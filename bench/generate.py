"""Fill a benchmark database with N synthetic articles of realistic shape.

    DATABASE_URL=sqlite:///bench/data/bench.sqlite3 python bench/generate.py --articles 100000

About 300 outlets and 500 tags; each article has 3 to 6 tags drawn from a
skewed distribution (the top tag on about 20% of articles, the median tag on
well under 1%), a body of 2 to 8 KB and a date in the last ten years. Every
word is made up here, from syllables and sentence templates.

Rows go in by bulk inserts (COPY on PostgreSQL) with the search triggers held
back, then the search index is rebuilt in one pass (`search_index_rebuild`),
which gives the index the triggers would have built. The database must be
named for benchmarks (its name contains "bench"): this replaces its articles,
outlets and tags.
"""

import argparse
import datetime
import itertools
import os
import random
import sys
import time
from bisect import bisect
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.core.management.color import no_style  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.text import slugify  # noqa: E402

from articles.caching import content_changed  # noqa: E402
from articles.models import Article, Source, SourceKind, Tag, TagKind  # noqa: E402
from articles.search import (  # noqa: E402
    GIN_INDEXES,
    search_index_rebuild,
    search_triggers_held,
)
from articles.services.urls import url_key  # noqa: E402
from articles.tallies import tallies_rebuild  # noqa: E402

SOURCES = 300
TAGS = 500
# Zipf exponent for tag popularity: with 3 to 6 tags an article, the top tag
# lands on about 20% of articles and the median one on about 0.5%.
TAG_SKEW = 0.65
YEARS = 10
BATCH = 2000

# The words the benchmark searches for: COMMON is in about a fifth of the
# articles, each of RARE_WORDS in about one in ten thousand.
COMMON = "border"
RARE_WORDS = 10_000

SYLLABLES = [
    "ka",
    "ro",
    "mi",
    "te",
    "lu",
    "sa",
    "no",
    "vi",
    "da",
    "pe",
    "ri",
    "go",
    "ta",
    "be",
    "lo",
    "mu",
    "ne",
    "si",
    "fa",
    "ra",
    "zu",
    "ki",
    "po",
    "dor",
    "van",
    "lis",
    "mer",
    "tol",
    "gan",
    "bri",
    "sel",
    "cor",
    "pan",
    "dru",
    "nel",
]
NOUNS = [
    "crossing",
    "claim",
    "hearing",
    "ruling",
    "office",
    "permit",
    "quota",
    "report",
    "agreement",
    "visa",
    "shelter",
    "program",
    "inquiry",
    "budget",
    "review",
    "camp",
    "corridor",
    "court",
    "port",
    "checkpoint",
]
VERBS = [
    "reviews",
    "extends",
    "suspends",
    "expands",
    "questions",
    "funds",
    "delays",
    "approves",
    "limits",
    "reopens",
    "studies",
    "debates",
    "announces",
    "rejects",
    "confirms",
]
PEOPLE = [
    "minister",
    "officials",
    "advocates",
    "judges",
    "lawyers",
    "agents",
    "mayors",
    "senators",
    "families",
]


def word(rng: random.Random, syllables=(2, 4)) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(*syllables)))


def rare_word(n: int) -> str:
    """The n-th rare word: made of syllables no common word uses."""
    letters = "bcdfghjkmnpqrstvwxz"
    word, n = "zq", n + 1
    while n:
        n, r = divmod(n, len(letters))
        word += letters[r] + "y"
    return word


class Text:
    """A fixed stock of made-up places and sentences, drawn from for every article."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.places = [word(rng).capitalize() for _ in range(400)]
        self.sentences = [self._sentence() for _ in range(4000)]
        self.common = [s for s in self.sentences if COMMON in s]
        self.plain = [s for s in self.sentences if COMMON not in s]

    def _sentence(self) -> str:
        rng = self.rng
        words = [
            rng.choice(PEOPLE).capitalize(),
            "in",
            rng.choice(self.places),
            rng.choice(VERBS),
            "the",
            rng.choice(NOUNS),
        ]
        words += [word(rng) for _ in range(rng.randint(6, 14))]
        if rng.random() < 0.1:
            words.insert(rng.randint(3, len(words)), COMMON)
        return " ".join(words) + "."

    def title(self) -> str:
        rng = self.rng
        return (
            f"{rng.choice(self.places)} {rng.choice(NOUNS)} {rng.choice(VERBS)} "
            f"{word(rng)} {word(rng)}"
        ).capitalize()

    def body(self, n: int) -> tuple[str, str]:
        """(HTML, its plain text) of 2 to 8 KB, in paragraphs."""
        rng = self.rng
        size = rng.randint(2000, 8000)
        paragraphs, length = [], 0
        mentions_common = rng.random() < 0.2
        while length < size:
            sentences = rng.sample(self.plain, rng.randint(3, 6))
            paragraph = " ".join(sentences)
            paragraphs.append(paragraph)
            length += len(paragraph) + 8
        paragraphs[0] += f" {rare_word(n % RARE_WORDS).capitalize()} {word(rng)}."
        if mentions_common:
            paragraphs[-1] += " " + rng.choice(self.common)
        html = "\n".join(f"<p>{p}</p>" for p in paragraphs)
        return html, "\n".join(paragraphs)


def _reset(*, force: bool) -> None:
    name = str(connection.settings_dict["NAME"])
    if "bench" not in Path(name).name and not force:
        sys.exit(f"Refusing to replace the data of {name!r}: its name does not contain 'bench'.")
    with connection.cursor() as cursor:
        for model in (Article.tags.through, Article, Tag, Source):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")


def _sources(rng: random.Random) -> list[Source]:
    kinds = [k for k in SourceKind.values if k != SourceKind.WIRE]
    sources = []
    for i in range(SOURCES):
        paper = rng.choice(["Times", "Post", "Herald", "Report", "Wire", "News"])
        name = f"The {word(rng).capitalize()} {paper} {i}"
        wire = i < 10
        sources.append(
            Source(
                name=name,
                slug=slugify(name),
                homepage=f"https://{slugify(name)}.example/",
                kind=SourceKind.WIRE if wire else rng.choice(kinds),
                country=rng.choice(["CA", "CA", "CA", "US", "US", "MX", "FR", "GB"]),
                language="fr" if i % 10 == 3 else "en",
            )
        )
    return Source.objects.bulk_create(sources)


def _tags(rng: random.Random) -> list[Tag]:
    tags = []
    for i in range(TAGS):
        name = f"{word(rng).capitalize()} {rng.choice(NOUNS)} {i}"
        tags.append(
            Tag(
                name=name,
                slug=slugify(name),
                kind=rng.choice(TagKind.values),
                aliases=word(rng).upper() if i % 5 == 0 else "",
            )
        )
    return Tag.objects.bulk_create(tags)


def _rows(n: int, rng: random.Random, sources, tags, now):
    """(article row, [tag ids]) for articles 1..n, in the columns of COLUMNS."""
    text = Text(rng)
    outlets = [s.pk for s in sources]
    wires = [s.pk for s in sources if s.kind == SourceKind.WIRE]
    weights = list(itertools.accumulate(1 / (rank + 1) ** TAG_SKEW for rank in range(len(tags))))
    tag_ids = [t.pk for t in tags]
    span = YEARS * 365 * 86400
    for i in range(1, n + 1):
        roll = rng.random()
        status = (
            "published"
            if roll < 0.92
            else "draft"
            if roll < 0.96
            else "review"
            if roll < 0.98
            else "archived"
        )
        if rng.random() < 0.002:
            published_at = None
        elif rng.random() < 0.001:
            published_at = now + datetime.timedelta(seconds=rng.randint(3600, 30 * 86400))
        else:
            published_at = now - datetime.timedelta(seconds=rng.randint(3600, span))
        stamp = published_at or now
        source = rng.choice(outlets)
        wire = rng.choice(wires) if rng.random() < 0.15 else None
        if wire == source:
            wire = None
        title = text.title()
        body, body_text = text.body(i)
        summary = " ".join(rng.sample(text.plain, 2))
        chosen = set()
        count = rng.randint(3, 6)
        while len(chosen) < count:
            chosen.add(tag_ids[bisect(weights, rng.random() * weights[-1])])
        url = f"https://news{source}.example/{stamp:%Y/%m}/{i}"
        row = (
            i,
            title,
            f"{slugify(title)[:80]}-{i}",
            url,
            source,
            wire,
            word(rng).capitalize() + " " + word(rng).capitalize(),
            published_at,
            summary,
            body,
            body_text,
            "",
            "fr" if rng.random() < 0.1 else "en",
            status,
            stamp,
            stamp,
            url_key(url),
            "",
        )
        yield row, sorted(chosen)


COLUMNS = (
    "id, title, slug, url, source_id, wire_service_id, byline, published_at, summary, "
    "body, body_text, editor_note, language, status, created_at, updated_at, url_key, correction"
)


def _insert(n: int, rng: random.Random, sources, tags, now, report) -> None:
    table = Article._meta.db_table
    through = Article.tags.through._meta.db_table
    placeholders = ", ".join(["%s"] * len(COLUMNS.split(",")))
    link_id = itertools.count(1)

    def write(cursor, articles, links):
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({COLUMNS}) FROM STDIN") as copy:
                for row in articles:
                    copy.write_row(row)
            with cursor.copy(f"COPY {through} (id, article_id, tag_id) FROM STDIN") as copy:
                for row in links:
                    copy.write_row(row)
        else:
            cursor.executemany(f"INSERT INTO {table} ({COLUMNS}) VALUES ({placeholders})", articles)
            cursor.executemany(
                f"INSERT INTO {through} (id, article_id, tag_id) VALUES (%s, %s, %s)", links
            )

    with connection.cursor() as cursor:
        articles, links = [], []
        for done, (row, tag_ids) in enumerate(_rows(n, rng, sources, tags, now), 1):
            articles.append(row)
            links += [(next(link_id), row[0], tag_id) for tag_id in tag_ids]
            if len(articles) == BATCH:
                write(cursor, articles, links)
                articles, links = [], []
            if done % 50_000 == 0:
                report(done)
        if articles:
            write(cursor, articles, links)
        for sql in connection.ops.sequence_reset_sql(
            no_style(), [Article, Article.tags.through, Source, Tag]
        ):
            cursor.execute(sql)


def _rebuild_search_index(n: int) -> None:
    """The search index in bulk: on PostgreSQL, one half of the rows a core, with
    the GIN index built once at the end rather than row by row."""
    if connection.vendor != "postgresql":
        search_index_rebuild()
        return
    with connection.cursor() as cursor:
        for name in GIN_INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")

    def rebuild(ids):
        try:
            search_index_rebuild(ids=ids)
        finally:
            connection.close()

    half = n // 2
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(rebuild, [(1, half), (half + 1, n)]))
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for name, condition in GIN_INDEXES.items():
            cursor.execute(
                f"CREATE INDEX {name} ON articles_article USING gin (search_vector) {condition}"
            )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--force", action="store_true", help="allow a database not named bench")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the data when it has N articles already"
    )
    args = parser.parse_args(argv)
    started = time.monotonic()

    def report(done):
        elapsed = time.monotonic() - started
        print(f"  {done:>9,} articles  {elapsed:6.0f} s", flush=True)

    call_command("migrate", verbosity=0, interactive=False)
    if args.reuse and Article.objects.count() == args.articles and Source.objects.count():
        print(f"The database has {args.articles:,} articles already; reusing them.")
        return
    now = timezone.now().replace(microsecond=0)
    with transaction.atomic(), search_triggers_held():
        _reset(force=args.force)
        rng = random.Random(args.seed)
        sources = _sources(rng)
        tags = _tags(rng)
        _insert(args.articles, rng, sources, tags, now, report)
    print(f"Inserted {args.articles:,} articles in {time.monotonic() - started:.0f} s; indexing")
    _rebuild_search_index(args.articles)
    # Statistics first: without them, PostgreSQL scans the whole tags table for
    # each chunk of articles that the tallies read.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    counted = time.monotonic()
    rows = tallies_rebuild()
    print(f"Tallied in {time.monotonic() - counted:.0f} s ({rows:,} rows)")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA optimize")
    content_changed()
    print(f"Done: {args.articles:,} articles in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
