"""gunicorn's threaded worker, with each request bounded in time as a sync
worker's is.

A sync worker that spends longer than gunicorn's `timeout` on a request is
killed, and its connection with it: a client that sends its request a byte
at a time, or reads the response so, holds it for that long at most. A
threaded worker tells gunicorn it is alive from its own loop, whatever its
threads are doing, so nothing bounded them: a thread was held for as long as
its client pleased. Here a request has `timeout` seconds on its thread; the
worker's loop shuts the connection of one that is past them, which ends the
thread's wait on its client at once. (A request busy on its own, such as a
slow query, is not interrupted: it ends when it next reads or writes.)
"""

import contextlib
import socket
import time

from gunicorn.workers.gthread import ThreadWorker as GunicornThreadWorker


class ThreadWorker(GunicornThreadWorker):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # connection: the monotonic time by which its request must be done
        self.deadlines = {}

    def handle(self, conn):
        """Runs in a thread: one request of `conn`."""
        if self.cfg.timeout > 0:  # 0 is gunicorn's "no timeout"
            self.deadlines[conn] = time.monotonic() + self.cfg.timeout
        try:
            return super().handle(conn)
        finally:
            self.deadlines.pop(conn, None)

    def notify(self):
        """Runs in the worker's loop, at least once a second."""
        super().notify()
        now = time.monotonic()
        for conn, deadline in list(self.deadlines.items()):
            if now < deadline:
                continue
            self.deadlines.pop(conn, None)
            self.log.warning(
                "A request from %s took more than %s s: its connection is closed.",
                conn.client,
                self.cfg.timeout,
            )
            with contextlib.suppress(OSError):  # closed meanwhile
                conn.sock.shutdown(socket.SHUT_RDWR)
