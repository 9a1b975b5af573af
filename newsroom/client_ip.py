"""The address a request came from, for counting failed logins.

Behind TRUSTED_PROXY_COUNT reverse proxies, each appends to X-Forwarded-For
the address it received the request from, so the client's address is that
many entries from the end: whatever the client itself put in the header comes
before it and is never read. With no trusted proxy (the default) the header is
ignored and the connection's own address counts.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip_address(request: HttpRequest) -> str | None:
    """The client's IP address: from X-Forwarded-For only behind trusted proxies."""
    remote = request.META.get("REMOTE_ADDR") or None
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    forwarded = [entry.strip() for entry in header.split(",") if entry.strip()]
    # Fewer entries than proxies: the request did not come through all of
    # them, and the header cannot be trusted.
    if len(forwarded) < count:
        return remote
    address = forwarded[-count]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return remote
