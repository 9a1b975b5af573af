"""Answers that say why, for requests larger than this site reads.

A query string with more fields than Django reads: Django refuses it
(TooManyFieldsSent) wherever `request.GET` is first read, in a view, a filter
or a feed. Its answer is a bare 400 page in production, and a 500 with DEBUG
on, where the error page reads `request.GET` again to list it and raises once
more. Reading the query string here, before anything else does, answers every
path alike with a 400 that explains itself.

A body larger than Django's default limit: Django's limit
(DATA_UPLOAD_MAX_MEMORY_SIZE) is one number for every URL, and the import
form must take a pasted page of IMPORT_MAX_BYTES, so the setting is the import
form's (newsroom/settings.py). Every other URL, the login form included, is
held here to Django's own default, before anything reads the body.
"""

from django.conf import global_settings, settings
from django.core.exceptions import TooManyFieldsSent
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse

BODY_LIMIT = global_settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class RequestLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            request.GET  # noqa: B018 (parsed here, once, for everyone after)
        except TooManyFieldsSent:
            limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
            reason = (
                f"This address has more than {limit:,} fields in its query string, "
                "more than this site reads. Remove some filters and try again."
            )
            return render(request, "400.html", {"reason": reason}, status=400)
        if self._body_too_large(request):
            return HttpResponse(
                f"This request is larger than this address takes "
                f"({BODY_LIMIT / 1e6:.1f} MB at the most).\n",
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)

    @staticmethod
    def _body_too_large(request) -> bool:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return False  # Django answers a malformed length itself
        if length <= BODY_LIMIT:
            return False
        return request.path_info != reverse("admin:articles_importrecord_import")
