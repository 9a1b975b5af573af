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

        from django.db.models.signals import m2m_changed, post_delete, post_save

        from .caching import on_model_change
        from .models import Article, Source, Tag

        for model in (Article, Source, Tag):
            post_save.connect(on_model_change, sender=model, dispatch_uid=f"cache-save-{model}")
            post_delete.connect(on_model_change, sender=model, dispatch_uid=f"cache-del-{model}")
        m2m_changed.connect(on_model_change, sender=Article.tags.through, dispatch_uid="cache-tags")
