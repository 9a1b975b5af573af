# gunicorn settings for `make serve`; each can be overridden on the command
# line or with GUNICORN_CMD_ARGS.
import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
accesslog = "-"
errorlog = "-"
timeout = 30
