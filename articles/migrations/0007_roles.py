"""The newsroom's two roles, as groups with exact permissions.

Contributors write: they add articles and change their own while in draft or
review (the admin and Article.can_edit hold them to that), and see the outlets
and tags they pick from. Editors do everything with articles, outlets, tags,
copies and import records, and alone may publish, schedule and archive.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = ("article", "source", "tag", "articlecopy", "importrecord")
ACTIONS = ("add", "change", "delete", "view")

ROLES = {
    "Editors": {f"{action}_{model}" for model in MODELS for action in ACTIONS}
    | {"publish_article"},
    "Contributors": {"add_article", "change_article", "view_article", "view_source", "view_tag"},
}


def make_roles(apps, schema_editor):
    # Permissions are made after migrations; these are needed now.
    app_config = apps.get_app_config("articles")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        permissions = Permission.objects.filter(
            content_type__app_label="articles", codename__in=codenames
        )
        assert permissions.count() == len(codenames), (name, codenames)
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0006_workflow_and_history"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(make_roles, migrations.RunPython.noop)]
