from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"
    verbose_name = "Coverage"

    def ready(self):
        from .search import search_migrate_finished, search_migrate_started

        pre_migrate.connect(search_migrate_started, sender=self)
        post_migrate.connect(search_migrate_finished, sender=self)
