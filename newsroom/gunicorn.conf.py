# gunicorn settings for `make serve`; each can be overridden on the command
# line or with GUNICORN_CMD_ARGS.
import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
# One process a core: this app spends its time in Python. Each runs a few
# threads, so that a slow client (one reading an export a byte at a time)
# holds a thread, not the process, and the others, /healthz among them, are
# still answered. The worker is gunicorn's threaded one, but that a request
# still has `timeout` seconds at most, as on a sync worker
# (newsroom/gunicorn_worker.py). In production a buffering reverse proxy in
# front takes slow clients off the app altogether (README, Production).
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
worker_class = "newsroom.gunicorn_worker.ThreadWorker"
threads = int(os.environ.get("WEB_THREADS", 4))
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
    workers, threads = server.cfg.workers, server.cfg.threads
    if workers > 1 and not os.environ.get("REDIS_URL"):
        server.log.warning(
            "REDIS_URL is not set: each of the %d workers caches on its own, and a change "
            "made through one reaches the others' cached pages only when they expire "
            "(CACHE_TTL). Set REDIS_URL to share one cache.",
            workers,
        )
    pool = int(os.environ.get("DATABASE_POOL_SIZE") or 0)
    if 0 < pool < threads:
        server.log.warning(
            "DATABASE_POOL_SIZE (%d) is less than the %d threads a worker runs: "
            "busy threads will wait for a database connection.",
            pool,
            threads,
        )
