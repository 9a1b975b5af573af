from django.http import HttpResponse
from django.urls import include, path


def ceiling(request):
    """A view that does no work: the most requests a second this machine serves."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/ceiling", ceiling),
    path("", include("newsroom.urls")),
]
