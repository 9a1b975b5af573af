"""The newsroom's two roles, as groups with exact permissions (articles/roles.py)."""

from django.db import migrations


def make_roles(apps, schema_editor):
    from articles.roles import roles_ensure

    roles_ensure(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0006_workflow_and_history"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(make_roles, migrations.RunPython.noop)]
