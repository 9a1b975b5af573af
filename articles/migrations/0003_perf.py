"""Indexes for the public pages at scale, and the SQLite search index as a model.

Each hot query of the public pages is served by an index that covers it:
the list in its order (newest first, undated last) and a tag's articles (an
outlet's come through the indexes of the two foreign keys). The list's index
says NULLS LAST on PostgreSQL, where a descending index otherwise puts NULLs
first; SQLite's order has them last already. Both are made here, per database, as
the search triggers are in 0002.
"""

import articles.models
import django.db.models.deletion
from django.db import migrations, models

INDEXES = {
    "sqlite": [
        ("article_public_idx", "articles_article (status, published_at, id)"),
        ("article_tags_tag_article_idx", "articles_article_tags (tag_id, article_id)"),
    ],
    "postgresql": [
        (
            "article_public_idx",
            "articles_article (status, published_at DESC NULLS LAST, id DESC)",
        ),
        ("article_tags_tag_article_idx", "articles_article_tags (tag_id, article_id)"),
    ],
}


def create_indexes(apps, schema_editor):
    for name, target in INDEXES.get(schema_editor.connection.vendor, []):
        schema_editor.execute(f"CREATE INDEX {name} ON {target}")


def drop_indexes(apps, schema_editor):
    for name, _ in INDEXES.get(schema_editor.connection.vendor, []):
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0002_search"),
    ]

    operations = [
        migrations.CreateModel(
            name="ArticleSearch",
            fields=[
                (
                    "article",
                    models.OneToOneField(
                        db_column="rowid",
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="search_entry",
                        serialize=False,
                        to="articles.article",
                    ),
                ),
                ("document", articles.models.SearchDocumentField(db_column="article_search")),
            ],
            options={
                "db_table": "article_search",
                "managed": False,
            },
        ),
        migrations.RemoveIndex(model_name="article", name="article_status_date_idx"),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
