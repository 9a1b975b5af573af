"""The admin's "View on site" redirect, held to what the user may see.

Django's `/admin/r/<content type>/<id>/` redirects any staff user to any
object's page, so its Location told a contributor the slug of any draft or
scheduled article. This one answers only for an object in the user's own
admin queryset, the same that the change form shows them.
"""

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.http import Http404


def view_on_site(request, content_type_id, object_id):
    try:
        model = ContentType.objects.get_for_id(int(content_type_id)).model_class()
    except (ContentType.DoesNotExist, ValueError) as error:
        raise Http404 from error
    model_admin = admin.site._registry.get(model)
    if model_admin is None:
        raise Http404
    obj = model_admin.get_object(request, object_id)
    if obj is None or not model_admin.has_view_or_change_permission(request, obj):
        raise Http404
    return shortcut(request, content_type_id, object_id)
