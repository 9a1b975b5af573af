"""The newsroom's two roles, as groups with exact permissions.

Contributors write: they add articles and change their own while in draft or
review (the admin and Article.can_edit hold them to that), and see the outlets
and tags they pick from. Editors do everything with articles, outlets, tags,
copies and import records, and alone may publish, schedule and archive.
Migration 0007 makes the groups; `roles_ensure()` makes them again where a
database lost them (a flushed test database, say).
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

MODELS = ("article", "source", "tag", "articlecopy", "importrecord")
ACTIONS = ("add", "change", "delete", "view")

ROLES = {
    "Editors": {f"{action}_{model}" for model in MODELS for action in ACTIONS}
    | {"publish_article"},
    "Contributors": {"add_article", "change_article", "view_article", "view_source", "view_tag"},
}


def roles_ensure(*, apps=global_apps) -> None:
    """Create the groups, with exactly their permissions (also from a migration's `apps`)."""
    # Permissions are made after migrations; a migration needs them now.
    app_config = apps.get_app_config("articles")
    if apps is not global_apps:
        app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    if apps is not global_apps:
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        permissions = Permission.objects.filter(
            content_type__app_label="articles", codename__in=codenames
        )
        if permissions.count() != len(codenames):
            raise LookupError(f"Permissions missing for {name}: run `manage.py migrate`.")
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions)
