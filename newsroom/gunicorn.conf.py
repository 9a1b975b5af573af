# gunicorn settings for `make serve`; each can be overridden on the command
# line or with GUNICORN_CMD_ARGS.
import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
# Sync workers, one request at a time each: one a core is what this app,
# which spends its time in Python, can use.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
# ACCESS_LOG= (empty) turns the access log off, as the benchmark does.
accesslog = os.environ.get("ACCESS_LOG", "-") or None
errorlog = "-"
timeout = 30
# Workers' heartbeat files in memory, not on a disk that may stall.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None


# Nothing a client forwards is trusted by gunicorn itself. By default it takes
# X-Forwarded-Proto (and the like) from 127.0.0.1, and every header from a
# unix socket, as proof of https, which sent HSTS and skipped the redirect to
# https with no proxy configured. Whether the client used https is Django's
# to read, from the header SECURE_PROXY_SSL_HEADER names and only when it is
# set; the client's address likewise, behind TRUSTED_PROXY_COUNT proxies
# (newsroom/settings.py, newsroom/client_ip.py).
forwarded_allow_ips = ""
secure_scheme_headers = {}
forwarder_headers = ""
proxy_allow_ips = ""


def when_ready(server):
    if workers > 1 and not os.environ.get("REDIS_URL"):
        server.log.warning(
            "REDIS_URL is not set: each of the %d workers caches on its own, and a change "
            "made through one reaches the others' cached pages only when they expire "
            "(CACHE_TTL). Set REDIS_URL to share one cache.",
            workers,
        )
