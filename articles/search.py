"""Full-text search: one interface, a backend for each database.

Readers type queries as into a web search engine: several words (all must
match), "quoted phrases", `OR` between alternatives, and `-word` to exclude.
`parse_query` turns any string into a `SearchQuery` and never fails; the
backend for the connection in use turns that into SQL:

- SQLite: an FTS5 table, `article_search`, with the porter stemmer and
  diacritics removed, ranked with bm25 weighted title > summary > tags > body.
- PostgreSQL: `Article.search_vector`, weighted A (title) to D (body), built
  with the text-search configuration of the article's language (`newsroom_en`
  or `newsroom_fr`, both accent-insensitive) and GIN-indexed, a language apart.

Database triggers keep both indexes current on every insert, update and
delete of articles, of their tags and of tag names and aliases, whatever wrote
them. PostgreSQL's are made by migration 0002. SQLite's live here: to alter a
table Django rebuilds it, which drops its triggers (and fails while another
table's trigger names it), so they are dropped before migrations run and
installed again after, with the index rebuilt (`search_migrate_*` below,
connected in apps.py).
"""

import re
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, connections
from django.db.models import Case, F, FloatField, Func, Q, QuerySet, TextField, Value, When
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Readers' queries beyond these sizes are cut, not refused.
MAX_QUERY_CHARS = 500
MAX_QUERY_TERMS = 20

# Snippets come back from the database with these around each hit; they cannot
# occur in stored text, so escaping the snippet and then swapping them for
# <mark> keeps every other character inert.
HIT_START, HIT_END = "\x02", "\x03"

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Term:
    """A word, or a phrase of words that must appear together in this order."""

    words: tuple[str, ...]

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1


@dataclass
class SearchQuery:
    """Every group must match; a group matches when any of its terms does."""

    groups: list[list[Term]] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.groups or self.excluded)

    def as_websearch(self) -> str:
        """The query in PostgreSQL's websearch syntax, made only of plain words."""

        def term(t: Term) -> str:
            return f'"{" ".join(t.words)}"' if t.is_phrase else t.words[0]

        parts = [" OR ".join(term(t) for t in group) for group in self.groups]
        parts += [f"-{term(t)}" for t in self.excluded]
        return " ".join(parts)


def _fts5(terms: list[Term]) -> str:
    # Each word is quoted, so nothing a reader types is read as FTS5 syntax.
    alternatives = ('"' + " ".join(t.words) + '"' for t in terms)
    return "(" + " OR ".join(alternatives) + ")"


def parse_query(text: str) -> SearchQuery:
    """Read `text` as web-search syntax. Never raises; may return an empty query."""
    query = SearchQuery()
    join_next = False
    count = 0
    for match in _TOKEN.finditer(text[:MAX_QUERY_CHARS]):
        negated, phrase, bare = match.group(1), match.group(2), match.group(3)
        if bare == "OR":
            join_next = bool(query.groups)
            continue
        if bare is not None:
            negated = "-" if bare.startswith("-") else ""
            phrase = bare.lstrip("-")
        words = tuple(w.lower() for w in _WORD.findall(phrase or ""))
        if not words or count >= MAX_QUERY_TERMS:
            join_next = False
            continue
        count += 1
        term = Term(words)
        if negated:
            query.excluded.append(term)
        elif join_next:
            query.groups[-1].append(term)
        else:
            query.groups.append([term])
        join_next = False
    return query


def highlight(snippet: str | None) -> SafeString:
    """Escape a snippet from the database and mark its hits with <mark>.

    A snippet without a hit says nothing the card does not: it comes back empty.
    """
    if not snippet or HIT_START not in snippet:
        return mark_safe("")
    escaped = escape(snippet)
    return mark_safe(escaped.replace(HIT_START, "<mark>").replace(HIT_END, "</mark>"))


class _SQLiteBackend:
    # bm25 weights, in the order of the FTS5 table's columns.
    WEIGHTS = (10.0, 5.0, 3.0, 1.0)

    def search(self, queryset: QuerySet, query: SearchQuery) -> QuerySet:
        if query.groups:
            # Joined, not a subquery a row: the index finds the matches and
            # ranks them in one pass.
            queryset = queryset.filter(search_entry__document__match=self._match(query)).annotate(
                rank=Func(
                    F("search_entry__document"),
                    *(Value(w) for w in self.WEIGHTS),
                    template="-bm25(%(expressions)s)",
                    output_field=FloatField(),
                )
            )
        else:
            queryset = queryset.annotate(rank=Value(0.0, output_field=FloatField()))
        if query.excluded:
            matching = "SELECT rowid FROM article_search WHERE article_search MATCH %s"
            queryset = queryset.exclude(pk__in=RawSQL(matching, [_fts5(query.excluded)]))
        return queryset

    def _match(self, query: SearchQuery) -> str:
        return " AND ".join(_fts5(group) for group in query.groups)

    def snippets(self, queryset: QuerySet, query: SearchQuery) -> QuerySet:
        if not query.groups:
            return queryset.annotate(snippet=Value(""))
        # One lookup of the index a row, by rowid: for the rows shown only.
        table = queryset.model._meta.db_table
        return queryset.annotate(
            snippet=RawSQL(
                "SELECT snippet(article_search, 3, char(2), char(3), '…', 32) "
                f"FROM article_search WHERE article_search MATCH %s AND rowid = {table}.id",
                [self._match(query)],
                output_field=TextField(),
            )
        )


class _PostgreSQLBackend:
    CONFIGS = {"fr": "newsroom_fr"}
    DEFAULT_CONFIG = "newsroom_en"

    def search(self, queryset: QuerySet, query: SearchQuery) -> QuerySet:
        from django.contrib.postgres.search import SearchQuery as PGQuery
        from django.contrib.postgres.search import SearchRank

        text = query.as_websearch()

        def pg_query(config):
            return PGQuery(text, config=config, search_type="websearch")

        # Each article is matched with its own language's stemming; written as
        # one branch a language so that the GIN index serves each branch.
        other_languages = list(self.CONFIGS)
        condition = Q(~Q(language__in=other_languages), search_vector=pg_query(self.DEFAULT_CONFIG))
        for language, config in self.CONFIGS.items():
            condition |= Q(language=language, search_vector=pg_query(config))
        return queryset.filter(condition).annotate(
            rank=SearchRank(F("search_vector"), self._any_language(query), normalization=1)
        )

    def _any_language(self, query: SearchQuery):
        from django.contrib.postgres.search import SearchQuery as PGQuery

        text = query.as_websearch()
        any_language = PGQuery(text, config=self.DEFAULT_CONFIG, search_type="websearch")
        for config in self.CONFIGS.values():
            any_language = any_language | PGQuery(text, config=config, search_type="websearch")
        return any_language

    def snippets(self, queryset: QuerySet, query: SearchQuery) -> QuerySet:
        from django.contrib.postgres.search import SearchHeadline

        config_of_row = Case(
            *(When(language=lang, then=Value(cfg)) for lang, cfg in self.CONFIGS.items()),
            default=Value(self.DEFAULT_CONFIG),
        )
        return queryset.annotate(
            snippet=SearchHeadline(
                "body_text",
                self._any_language(query),
                config=config_of_row,
                start_sel=HIT_START,
                stop_sel=HIT_END,
                max_words=35,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )


def _gin_indexes() -> dict[str, str]:
    languages = ", ".join(f"'{language}'" for language in _PostgreSQLBackend.CONFIGS)
    indexes = {
        f"article_search_{language}_gin": f"WHERE language IN ('{language}')"
        for language in _PostgreSQLBackend.CONFIGS
    }
    indexes["article_search_other_gin"] = f"WHERE NOT (language IN ({languages}))"
    return indexes


# PostgreSQL's GIN indexes of the search vectors, one for each branch of a
# search (_PostgreSQLBackend.search), by the condition of its rows: each
# branch of the OR is then answered by an index. Made from the languages with
# a configuration of their own, so that a language added there needs its
# index; the migrations make them (0013), and tests/test_indexes.py checks
# that the database has these and no others.
GIN_INDEXES = _gin_indexes()


class _ContainsBackend:
    """For other databases: every word somewhere in the text, no ranking."""

    def search(self, queryset: QuerySet, query: SearchQuery) -> QuerySet:
        def term_q(term: Term) -> Q:
            phrase = " ".join(term.words)
            return (
                Q(title__icontains=phrase)
                | Q(summary__icontains=phrase)
                | Q(body_text__icontains=phrase)
            )

        for group in query.groups:
            alternatives = Q()
            for term in group:
                alternatives |= term_q(term)
            queryset = queryset.filter(alternatives)
        for term in query.excluded:
            queryset = queryset.exclude(term_q(term))
        return queryset.annotate(rank=Value(0.0, output_field=FloatField()))

    def snippets(self, queryset: QuerySet, query: SearchQuery) -> QuerySet:
        return queryset.annotate(snippet=Value(""))


_BACKENDS = {"sqlite": _SQLiteBackend(), "postgresql": _PostgreSQLBackend()}


def _backend():
    return _BACKENDS.get(connection.vendor, _ContainsBackend())


def search_articles(queryset: QuerySet, text: str) -> QuerySet:
    """Articles of `queryset` matching `text`, annotated with `rank`: order by
    `-rank` for relevance."""
    query = parse_query(text)
    if not query:
        return queryset.annotate(rank=Value(0.0, output_field=FloatField()))
    return _backend().search(queryset, query)


def with_snippets(queryset: QuerySet, text: str) -> QuerySet:
    """`queryset` with each article's passage that best matches `text`, as
    `snippet`: for the rows shown, as it costs a look into each one's text.
    `highlight()` makes a snippet displayable."""
    query = parse_query(text)
    if not query:
        return queryset.annotate(snippet=Value(""))
    return _backend().snippets(queryset, query)


# The triggers of migration 0002 that a bulk load may hold back, by table.
_POSTGRESQL_TRIGGERS = [
    ("articles_article", "article_search_vector"),
    ("articles_article_tags", "article_search_tags_changed"),
    ("articles_tag", "article_search_tag_renamed"),
]


@contextmanager
def search_triggers_held():
    """Inside, writes do not touch the search index: for bulk loads, which
    call `search_index_rebuild()` afterwards. Run it inside a transaction."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master "
                "WHERE type = 'trigger' AND name LIKE 'article_search%'"
            )
            triggers = cursor.fetchall()
            for name, _ in triggers:
                cursor.execute(f"DROP TRIGGER {name}")
            try:
                yield
            finally:
                for _, sql in triggers:
                    cursor.execute(sql)
        elif connection.vendor == "postgresql":

            def switch(action):
                # A table with deferred checks pending cannot be altered: run them first.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                for table, trigger in _POSTGRESQL_TRIGGERS:
                    cursor.execute(f"ALTER TABLE {table} {action} TRIGGER {trigger}")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")

            switch("DISABLE")
            try:
                yield
            finally:
                switch("ENABLE")
        else:
            yield


# The tag text of one article: the names and aliases of its tags.
_TAG_TEXT = """coalesce((
    SELECT group_concat(t.name || ' ' || t.aliases, ' ')
    FROM articles_tag t JOIN articles_article_tags at ON at.tag_id = t.id
    WHERE at.article_id = {article}
), '')"""

SQLITE_TRIGGERS = {
    "article_search_insert": """AFTER INSERT ON articles_article BEGIN
        INSERT INTO article_search (rowid, title, summary, tags, body)
        VALUES (new.id, new.title, new.summary, '', new.body_text);
    END""",
    "article_search_update": """AFTER UPDATE OF title, summary, body_text ON articles_article
    BEGIN
        UPDATE article_search SET title = new.title, summary = new.summary, body = new.body_text
        WHERE rowid = new.id;
    END""",
    "article_search_delete": """AFTER DELETE ON articles_article BEGIN
        DELETE FROM article_search WHERE rowid = old.id;
    END""",
    "article_search_tag_added": f"""AFTER INSERT ON articles_article_tags BEGIN
        UPDATE article_search SET tags = {_TAG_TEXT.format(article="new.article_id")}
        WHERE rowid = new.article_id;
    END""",
    "article_search_tag_removed": f"""AFTER DELETE ON articles_article_tags BEGIN
        UPDATE article_search SET tags = {_TAG_TEXT.format(article="old.article_id")}
        WHERE rowid = old.article_id;
    END""",
    "article_search_tag_renamed": f"""AFTER UPDATE OF name, aliases ON articles_tag BEGIN
        UPDATE article_search SET tags = {_TAG_TEXT.format(article="article_search.rowid")}
        WHERE rowid IN (SELECT article_id FROM articles_article_tags WHERE tag_id = new.id);
    END""",
}


def search_index_rebuild(*, ids: tuple[int, int] | None = None, using: str = "default") -> None:
    """Index every article again (or those with ids from ids[0] to ids[1]),
    in bulk, exactly as the triggers would have, whatever wrote the rows."""
    lo, hi = ids or (-(2**62), 2**62)
    conn = connections[using]
    with conn.cursor() as cursor:
        if conn.vendor == "sqlite":
            cursor.execute("DELETE FROM article_search WHERE rowid BETWEEN %s AND %s", [lo, hi])
            cursor.execute(
                "INSERT INTO article_search (rowid, title, summary, tags, body) "
                f"SELECT a.id, a.title, a.summary, {_TAG_TEXT.format(article='a.id')}, "
                "a.body_text FROM articles_article a WHERE a.id BETWEEN %s AND %s ORDER BY a.id",
                [lo, hi],
            )
        elif conn.vendor == "postgresql":
            # The vector trigger recomputes what it is given; NULL is a no-op value.
            cursor.execute(
                "UPDATE articles_article SET search_vector = NULL WHERE id BETWEEN %s AND %s",
                [lo, hi],
            )


def _sqlite_index_present(conn) -> bool:
    return conn.vendor == "sqlite" and "article_search" in conn.introspection.table_names()


def search_migrate_started(sender, *, using: str = "default", plan=None, **kwargs) -> None:
    """pre_migrate: take SQLite's triggers away while tables may be rebuilt."""
    conn = connections[using]
    if plan and conn.vendor == "sqlite":
        with conn.cursor() as cursor:
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def search_migrate_finished(sender, *, using: str = "default", plan=None, **kwargs) -> None:
    """post_migrate: install SQLite's triggers, and rebuild the index if it may be stale."""
    conn = connections[using]
    if plan is not None and "articles_article" in conn.introspection.table_names():
        from .schema import raw_indexes_ensure

        raw_indexes_ensure(using=using)
    if not _sqlite_index_present(conn):
        return
    with conn.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        present = {row[0] for row in cursor.fetchall()}
        for name, body in SQLITE_TRIGGERS.items():
            cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")
    if plan or not present >= set(SQLITE_TRIGGERS):
        search_index_rebuild(using=using)
