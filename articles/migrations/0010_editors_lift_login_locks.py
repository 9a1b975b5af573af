"""Editors see and lift locked logins: the roles again, now with axes' models
(articles/roles.py)."""

from django.db import migrations


def make_roles(apps, schema_editor):
    from articles.roles import roles_ensure

    roles_ensure(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0009_public_index_with_schedule"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(make_roles, migrations.RunPython.noop)]
