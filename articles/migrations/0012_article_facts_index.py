"""A narrow index of what a search's matches are filtered and counted by, on SQLite.

A search finds its matches' ids in the FTS5 table, then filters and counts
them by status, dates, outlet and language. SQLite keeps those columns of a row
after its texts, on overflow pages: each match cost a walk through its
article's text. This index, led by the id, holds them alone, and SQLite reads
it in place of the rows (a covering index). PostgreSQL keeps long texts out of
line already, so it needs no such index.
"""

from django.db import migrations

NAME = "article_facts_idx"
COLUMNS = "id, status, published_at, publish_at, source_id, wire_service_id, language"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"CREATE INDEX {NAME} ON articles_article ({COLUMNS})")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0011_tallies"),
    ]

    operations = [migrations.RunPython(create_index, drop_index)]
