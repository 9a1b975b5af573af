"""simple-history's admin pages, held to the same roles as the change form.

django-simple-history checks only the view permission on its pages, and its
revert form saves the old version's whole row: a contributor, who may view
articles, outlets and tags to pick them, could read anyone's draft through its
history and save an old version over any article, outlet or tag, bringing an
archived article back to the public site with no workflow check.

Here a history is shown only for an object in the user's own admin queryset
(a deleted object's, only to those who may delete), and a revert is a change
like any other: it needs change permission on the object as it stands now,
and the form is bound to the current row, with the old version's values as
its initial data, so the fields the form does not show (who published it and
when, its first publication) stay as they are and the status moves through
the workflow from the status in the database.
"""

from django.contrib.admin import helpers
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied
from django.db import router, transaction
from django.forms.models import model_to_dict
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.html import mark_safe
from simple_history.admin import SimpleHistoryAdmin

from .autocomplete import fits_key


class RoleCheckedHistoryAdmin(SimpleHistoryAdmin):
    def _current_for_history(self, request, object_id):
        """The object as it stands, if this user may see its history; None for
        a deleted object whose history this user may see. Else 404."""
        object_id = unquote(object_id)
        if not fits_key(self.model._meta.pk, object_id):
            raise Http404
        current = self.get_object(request, object_id)
        if current is not None:
            if not self.has_view_or_change_permission(request, current):
                raise PermissionDenied
            return current
        # Absent from the user's queryset: deleted, or someone else's. Only
        # those who may delete see what is left of deleted objects.
        pk_name = self.model._meta.pk.attname
        exists = self.model._default_manager.filter(**{pk_name: object_id})
        if not self.has_delete_permission(request) or exists.exists():
            raise Http404
        return None

    def history_view(self, request, object_id, extra_context=None):
        current = self._current_for_history(request, object_id)
        # What is left of a deleted object is only read here.
        extra_context = {**(extra_context or {}), "revert_disabled": current is None}
        return super().history_view(request, object_id, extra_context)

    def revert_disabled(self, request, obj=None):
        if obj is None or getattr(obj, "_deleted", False):
            return True
        return super().revert_disabled(request, obj) or not self.has_change_permission(request, obj)

    def revert_initial(self, version, form) -> dict:
        """The form's initial data from an old version: its own fields, and the
        many-to-many values it had then."""
        initial = model_to_dict(version.instance, fields=list(form.base_fields))
        for field in self.model._meta.many_to_many:
            if field.name in form.base_fields and hasattr(version, field.name):
                # simple-history keeps a version's links as rows naming the target.
                rows = getattr(version, field.name).all()
                initial[field.name] = [getattr(row, f"{field.m2m_reverse_name()}") for row in rows]
        return initial

    def revert_reason(self, version) -> str:
        when = timezone.localtime(version.history_date)
        return f"Reverted to the version of {when:%Y-%m-%d %H:%M}"

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        request.current_app = self.admin_site.name
        current = self._current_for_history(request, object_id)
        opts = self.model._meta
        history_model = self.model.history.model
        if not fits_key(history_model._meta.pk, version_id):
            raise Http404
        version = get_object_or_404(
            history_model, **{opts.pk.attname: unquote(object_id), "history_id": version_id}
        )
        shown = current if current is not None else version.instance
        if current is None:
            shown._deleted = True
        revert_disabled = self.revert_disabled(request, shown)
        if request.method == "POST" and revert_disabled:
            raise PermissionDenied

        form_class = self.get_form(request, shown, change=True)
        if request.method == "POST":
            form = form_class(request.POST, request.FILES, instance=current)
            if form.is_valid():
                # All or nothing, as Django's own change form saves.
                with transaction.atomic(using=router.db_for_write(self.model)):
                    obj = self.save_form(request, form, change=True)
                    obj._change_reason = self.revert_reason(version)
                    self.save_model(request, obj, form, change=True)
                    self.save_related(request, form, [], change=True)
                    message = self.construct_change_message(request, form, [])
                    self.log_change(request, obj, message)
                return self.response_change(request, obj)
        elif revert_disabled:
            # Read only: the old version as it was.
            form = form_class(instance=version.instance)
        else:
            form = form_class(instance=shown, initial=self.revert_initial(version, form_class))

        fieldsets = self.get_fieldsets(request, shown)
        admin_form = helpers.AdminForm(
            form,
            fieldsets,
            {} if revert_disabled else self.get_prepopulated_fields(request, shown),
            flatten_fieldsets(fieldsets)
            if revert_disabled
            else self.get_readonly_fields(request, shown),
            model_admin=self,
        )
        url_name = f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}"
        context = {
            **self.admin_site.each_context(request),
            "title": self.history_form_view_title(request, shown),
            "adminform": admin_form,
            "object_id": object_id,
            "original": shown,
            "is_popup": False,
            "media": mark_safe(self.media + admin_form.media),
            "errors": helpers.AdminErrorList(form, []),
            "app_label": opts.app_label,
            "original_opts": opts,
            "changelist_url": reverse(f"{url_name}_changelist"),
            "change_url": reverse(f"{url_name}_change", args=(shown.pk,)),
            "history_url": reverse(f"{url_name}_history", args=(shown.pk,)),
            "change_history": False,
            "revert_disabled": revert_disabled,
            "add": False,
            "change": True,
            "has_add_permission": self.has_add_permission(request),
            "has_view_permission": self.has_view_permission(request, current),
            "has_change_permission": not revert_disabled,
            "has_delete_permission": False,
            "has_file_field": True,
            "has_absolute_url": False,
            "form_url": "",
            "opts": history_model._meta,
            "content_type_id": self.content_type_model_cls.objects.get_for_model(self.model).id,
            "save_as": False,
            "save_on_top": self.save_on_top,
            "root_path": getattr(self.admin_site, "root_path", None),
            **(extra_context or {}),
        }
        return self.render_history_view(request, self.object_history_form_template, context)
