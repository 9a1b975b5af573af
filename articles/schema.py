"""Indexes the models cannot describe: NULLS LAST order, covering columns.

Django rebuilds a SQLite table to alter it and drops what it does not know of,
so these are made again after every migrate (`raw_indexes_ensure`, called from
the post_migrate handler in articles/search.py) as well as by migration 0009.
"""

from django.db import connections

# The public list in its order, newest first and undated last, with the
# columns `Article.objects.published()` checks, so the list is read from the
# index alone; and a tag's articles.
RAW_INDEXES = {
    "sqlite": [
        ("article_public_idx", "articles_article (status, published_at, id, publish_at)"),
        ("article_tags_tag_article_idx", "articles_article_tags (tag_id, article_id)"),
    ],
    "postgresql": [
        (
            "article_public_idx",
            "articles_article (status, published_at DESC NULLS LAST, id DESC) INCLUDE (publish_at)",
        ),
        ("article_tags_tag_article_idx", "articles_article_tags (tag_id, article_id)"),
    ],
}


def raw_indexes_ensure(*, using: str = "default", replace: bool = False) -> None:
    """Make the indexes that are missing (all of them again, with `replace`)."""
    conn = connections[using]
    with conn.cursor() as cursor:
        for name, target in RAW_INDEXES.get(conn.vendor, []):
            if replace:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")
