"""The public list's index, with the schedule column that published() now checks."""

from django.db import migrations


def replace_indexes(apps, schema_editor):
    from articles.schema import raw_indexes_ensure

    raw_indexes_ensure(using=schema_editor.connection.alias, replace=True)


class Migration(migrations.Migration):
    dependencies = [("articles", "0008_merge_0003_perf_0007_roles")]

    operations = [migrations.RunPython(replace_indexes, migrations.RunPython.noop)]
