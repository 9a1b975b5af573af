"""The newsroom's two roles, as groups with exact permissions.

Contributors write: they add articles and change their own while in draft or
review (the admin and Article.can_edit hold them to that), and see the outlets
and tags they pick from. Editors do everything with articles, outlets, tags,
copies and import records, alone may publish, schedule and archive, and see
and lift locked logins (django-axes' access attempts and failures).
Migrations 0007 and 0010 make the groups; `roles_ensure()` makes them again
where a database lost them (a flushed test database, say).
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

MODELS = ("article", "source", "tag", "articlecopy", "importrecord")
ACTIONS = ("add", "change", "delete", "view")

# Each role's permissions, by app label.
ROLES = {
    "Editors": {
        "articles": {f"{action}_{model}" for model in MODELS for action in ACTIONS}
        | {"publish_article"},
        "axes": {"view_accessattempt", "delete_accessattempt", "view_accessfailurelog"},
    },
    "Contributors": {
        "articles": {"add_article", "change_article", "view_article", "view_source", "view_tag"},
    },
}


def roles_ensure(*, apps=global_apps) -> None:
    """Create the groups, with exactly their permissions (also from a migration's `apps`).

    A migration's `apps` may not have an app's models yet (an app migrated
    after the one running): its permissions wait for a later migration that
    depends on that app and calls this again, as 0010 does for axes.
    """
    app_labels = {label for permissions in ROLES.values() for label in permissions}
    present = set()
    for label in sorted(app_labels):
        try:
            app_config = apps.get_app_config(label)
        except LookupError:
            if apps is global_apps:
                raise
            continue
        present.add(label)
        # Permissions are made after migrations; a migration needs them now.
        if apps is not global_apps:
            app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        if apps is not global_apps:
            app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, by_app in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = []
        for label, codenames in by_app.items():
            if label not in present:
                continue
            found = list(
                Permission.objects.filter(content_type__app_label=label, codename__in=codenames)
            )
            if len(found) != len(codenames):
                raise LookupError(f"Permissions missing for {name}: run `manage.py migrate`.")
            permissions += found
        group.permissions.set(permissions)
