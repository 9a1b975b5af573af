"""A 400 that says why, for a query string with more fields than Django reads.

Django refuses such a query string (TooManyFieldsSent) wherever `request.GET`
is first read: in a view, a filter or a feed. Its answer is a bare 400 page in
production, and a 500 with DEBUG on, where the error page reads `request.GET`
again to list it and raises once more. Reading the query string here, before
anything else does, answers every path alike with a 400 that explains itself.
"""

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent
from django.shortcuts import render


class QueryFieldsMiddleware:
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
        return self.get_response(request)
