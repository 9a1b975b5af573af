"""On PostgreSQL, the search index in two parts: French articles, and the rest.

A search matches each article with its own language's stemming: one branch
for French articles, one for the others, joined by OR. With one GIN index on
every row, PostgreSQL could not tell from the index which branch a row had
matched, and checked the OR again on each match, reading its search vector
from out-of-line storage: most of the time of a search for a common word. An
index for each branch, whose condition is the branch's language, answers the
whole OR from the indexes. The app derives their names in `articles.search.GIN_INDEXES`;
this migration keeps its own copy, as the indexes stood when it was written.
"""

from django.db import migrations

FORWARD = [
    "DROP INDEX IF EXISTS article_search_vector_gin",
    "CREATE INDEX article_search_fr_gin ON articles_article USING gin (search_vector) "
    "WHERE language IN ('fr')",
    "CREATE INDEX article_search_other_gin ON articles_article USING gin (search_vector) "
    "WHERE NOT (language IN ('fr'))",
]
BACKWARD = [
    "DROP INDEX IF EXISTS article_search_fr_gin",
    "DROP INDEX IF EXISTS article_search_other_gin",
    "CREATE INDEX article_search_vector_gin ON articles_article USING gin (search_vector)",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0012_article_facts_index"),
    ]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
