"""Serve the app with gunicorn and measure its pages with wrk, against a ceiling.

    DATABASE_URL=sqlite:///bench/data/bench-100000.sqlite3 python bench/run.py

Runs three servers in turn, each with production settings (DEBUG off) and two
worker processes, and in each measures a bare Django view that does no work (the
ceiling of this machine, in this run) and then every page below:

- cold:   no page cache, no memoised counts: every request computes everything;
- steady: no page cache; counts, facets and charts memoised for the data
          version, as they are in production once a view has been seen;
- cached: the page cache on: the same anonymous URL again.

For each page: requests a second, p50 and p99 latency, SQL queries a request
(counted in this process with the same settings), and requests a second as a
percentage of the ceiling's. The percentages are what to compare between
runs; the absolute numbers move with whatever else the machine is doing.

Instead: --soak, wrk over many pages sampling the workers' memory; --mixed,
a Zipf-like mix of pages while an editor saves (bench/mixed.py).
"""

import argparse
import calendar
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

MODES = {
    "cold": {"CACHE_PAGES": "0", "CACHE_AGGREGATES": "0"},
    "steady": {"CACHE_PAGES": "0", "CACHE_AGGREGATES": "1"},
    "cached": {"CACHE_PAGES": "1", "CACHE_AGGREGATES": "1"},
    # No server: one request a page in this process, timed, as cold. For sizes
    # where a cold page takes longer than a worker may (gunicorn's timeout).
    "cold-once": {"CACHE_PAGES": "0", "CACHE_AGGREGATES": "0"},
}


@dataclass
class Result:
    page: str
    url: str
    rps: float
    p50_ms: float
    p99_ms: float
    queries: int | None
    ratio: float = 0.0
    errors: int = 0


@dataclass
class Run:
    articles: int
    database: str
    cache: str
    command: str
    modes: dict[str, list[Result]] = field(default_factory=dict)
    one_client: list[Result] = field(default_factory=list)
    one_client_mode: str = ""


def pages() -> list[tuple[str, str]]:
    """(name, URL) of every page measured, chosen from the data in the database."""
    import django

    django.setup()
    from django.db.models import Count

    from articles.models import Article, Source, Tag
    from bench.generate import COMMON, rare_word

    public = Article.objects.published()
    total = public.count()
    # Ranked by all their articles, of which nine in ten are public: counting
    # only the public ones through a subquery took PostgreSQL minutes at 1M.
    ranked = Tag.objects.annotate(n=Count("articles")).order_by("-n", "pk")
    tags = list(ranked.values_list("slug", flat=True))
    top_tag, median_tag = tags[0], tags[len(tags) // 2]
    sources = list(
        Source.objects.annotate(n=Count("articles")).order_by("-n", "pk").values_list("slug", "n")
    )
    source = sources[len(sources) // 2][0]
    newest = public.exclude(published_at=None).order_by("-published_at").first().published_at
    year, month = newest.year - 2, newest.month
    last_day = calendar.monthrange(year, month)[1]
    month_query = (
        f"published_after={year}-{month:02}-01&published_before={year}-{month:02}-{last_day}"
    )
    deep = min(2000, max(1, total // 20))
    article = public.order_by("pk")[total // 2]
    # The CSV of the newest 10,000 articles (or all, with fewer).
    dated = public.exclude(published_at=None).order_by("-published_at")
    cutoff = dated.values_list("published_at", flat=True)[min(dated.count(), 10_000) - 1]
    return [
        ("list", "/"),
        ("list, median tag", f"/?tag={median_tag}"),
        ("list, top tag", f"/?tag={top_tag}"),
        ("list, one source", f"/?source={source}"),
        ("list, one month", f"/?{month_query}"),
        (f"search, common ({COMMON})", f"/?q={COMMON}"),
        (f"search, rare ({rare_word(42)})", f"/?q={rare_word(42)}"),
        (f"list, page {deep}", f"/?page={deep}"),
        ("article", article.get_absolute_url()),
        ("tag page", f"/tags/{median_tag}/"),
        ("RSS feed", "/feed/rss/"),
        ("CSV, 10,000 rows", f"/export.csv?published_after={cutoff:%Y-%m-%d}"),
    ]


def _read(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def count_queries(
    urls: list[str], mode: dict[str, str], *, warm: bool = True
) -> dict[str, tuple[int, float]]:
    """SQL queries a request for each URL, and its time in ms, in this process
    with the mode's settings."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    client = Client()
    counts = {}
    with override_settings(
        CACHE_PAGES=mode["CACHE_PAGES"] == "1",
        CACHE_AGGREGATES=mode["CACHE_AGGREGATES"] == "1",
        ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"],
    ):
        for url in urls:
            # The second request: what a page costs once the data state is known
            # (and, with caches on, once the view has been seen).
            if warm:
                _read(client.get(url))
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                _read(client.get(url))
            counts[url] = (len(queries), 1000 * (time.perf_counter() - started))
    return counts


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn with the repository's config, production settings and two workers."""

    def __init__(self, env: dict[str, str], *, workers: int = 2):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DEBUG": "0",
            "ACCESS_LOG": "",
            "BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": str(workers),
            # A cold page at a million articles can take longer than the 30 s a
            # worker is given in production; its first request warms the memo.
            "GUNICORN_CMD_ARGS": "--timeout 300",
            **env,
        }

    def __enter__(self):
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                str(ROOT / "newsroom/gunicorn.conf.py"),
                "bench.wsgi",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=open(ROOT / "bench/data/gunicorn.log", "a"),
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=5) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("gunicorn did not answer /healthz within 60 s")

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * _UNITS[unit]


def wrk_command(url: str, *, seconds: float, connections: int, script: Path | None = None):
    """wrk on one thread from this process, bounded in time, with latencies."""
    return [
        "wrk",
        "--latency",
        "--timeout",
        "30s",
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        *(["-s", str(script)] if script else []),
        url,
    ]


def wrk_stats(out: str) -> dict:
    """Requests, rate, median and 99th percentile, and failures, from wrk's report."""
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, re.M))
    socket_errors = re.search(r"Socket errors: (.*)$", out, re.M)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": _ms(latency["50"]) if "50" in latency else 0.0,
        "p99_ms": _ms(latency["99"]) if "99" in latency else 0.0,
        "socket_errors": socket_errors.group(1) if socket_errors else "none",
        "socket_error_count": sum(
            int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out)
        ),
        "non_2xx_3xx": int(non2xx.group(1)) if non2xx else 0,
    }


def wrk(url: str, *, seconds: float, connections: int) -> dict:
    command = wrk_command(url, seconds=seconds, connections=connections)
    stats = wrk_stats(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
    return {**stats, "errors": stats["socket_error_count"] + stats["non_2xx_3xx"]}


def measure(base, name, url, *, seconds, connections, queries) -> Result:
    with urllib.request.urlopen(base + url, timeout=120) as response:
        response.read()  # warm: the data state, memoised counts, the page cache
    # Then every worker: with the local-memory cache each keeps its own memo,
    # and a worker's first request of a view must not be timed as steady.
    wrk(base + url, seconds=2, connections=connections)
    stats = wrk(base + url, seconds=seconds, connections=connections)
    return Result(
        name,
        url,
        stats["rps"],
        stats["p50_ms"],
        stats["p99_ms"],
        queries[url][0] if url in queries else None,
        errors=stats["errors"],
    )


def soak_paths(chosen: list[tuple[str, str]]) -> list[str]:
    """The measured pages (but the export) and many more: articles, tags, deep pages."""
    from articles.models import Article, Tag

    paths = [url for name, url in chosen if not name.startswith("CSV")]
    public = Article.objects.published().order_by("pk")
    paths += [a.get_absolute_url() for a in public.only("slug")[:: max(1, public.count() // 300)]]
    paths += [t.get_absolute_url() for t in Tag.objects.order_by("pk")[:100]]
    last_page = max(1, (public.count() - 1) // 20 + 1)
    paths += [f"/?page={n}" for n in range(2, min(100, last_page) + 1)]
    return paths


def soak(chosen, *, seconds: int, connections: int) -> dict:
    """wrk over many pages with production settings, sampling the workers' memory."""
    paths = soak_paths(chosen)
    script = ROOT / "bench/data/soak.lua"
    quoted = ", ".join(json.dumps(p) for p in paths)
    script.write_text(
        f"paths = {{{quoted}}}\n"
        "n = 0\n"
        "request = function()\n"
        "  n = n + 1\n"
        "  return wrk.format(nil, paths[(n % #paths) + 1])\n"
        "end\n"
    )
    # Production's worker timeout, not the measuring runs' longer one.
    with Server({"GUNICORN_CMD_ARGS": ""}) as server:
        workers = server.workers()
        # One pass over every page first, one at a time: each view's first
        # request counts, facets and charts it (timed and reported apart).
        started = time.monotonic()
        for path in paths:
            with urllib.request.urlopen(server.base + path, timeout=300) as response:
                response.read()
        warm_seconds = round(time.monotonic() - started, 1)
        samples = []
        load = subprocess.Popen(
            wrk_command(server.base + "/", seconds=seconds, connections=connections, script=script),
            stdout=subprocess.PIPE,
            text=True,
        )
        while load.poll() is None:
            samples.append([_memory_mb(pid) for pid in workers])
            time.sleep(2)
        out = load.stdout.read()
    stats = wrk_stats(out)
    return {
        "seconds": seconds,
        "connections": connections,
        "paths": len(paths),
        "warm_up_seconds": warm_seconds,
        **{key: stats[key] for key in ("requests", "rps", "p50_ms", "p99_ms")},
        "socket_errors": stats["socket_errors"],
        "non_2xx_3xx": stats["non_2xx_3xx"],
        # Each worker's own memory (RssAnon: its heap), and all it maps
        # (VmRSS: with the database file's pages, shared by every process).
        "worker_memory_mb": {
            moment: [dict(zip(("own", "rss"), sample, strict=True)) for sample in row]
            for moment, row in (
                ("first", samples[0] if samples else []),
                ("middle", samples[len(samples) // 2] if samples else []),
                ("last", samples[-1] if samples else []),
            )
        },
    }


def _memory_mb(pid: int) -> tuple[float, float]:
    """(RssAnon, VmRSS) of a process, in MB."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return tuple(round(int(fields[k].split()[0]) / 1024, 1) for k in ("RssAnon", "VmRSS"))


def table(results: list[Result], title: str) -> str:
    lines = [
        title,
        f"| {'page':<28} | {'req/s':>8} | {'p50 ms':>7} | {'p99 ms':>7} | {'queries':>7} "
        f"| {'% ceiling':>9} |",
        f"|{'-' * 30}|{'-' * 10}:|{'-' * 8}:|{'-' * 8}:|{'-' * 8}:|{'-' * 10}:|",
    ]
    for r in results:
        queries = "-" if r.queries is None else str(r.queries)
        ratio = "" if r.page == "ceiling" or not r.ratio else f"{r.ratio:.1f}%"
        flag = f" ({r.errors} errors)" if r.errors else ""
        lines.append(
            f"| {r.page:<28} | {r.rps:>8.1f} | {r.p50_ms:>7.1f} | {r.p99_ms:>7.1f} "
            f"| {queries:>7} | {ratio:>9} |{flag}"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration a page")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--modes", default="cold,steady,cached")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--soak",
        type=int,
        metavar="SECONDS",
        help="instead: wrk over many pages for SECONDS, sampling the workers' memory",
    )
    parser.add_argument(
        "--mixed",
        action="store_true",
        help="instead: a Zipf-like mix of pages while a writer saves, in four phases of "
        "--seconds each (bench/mixed.py)",
    )
    args = parser.parse_args(argv)
    (ROOT / "bench/data").mkdir(exist_ok=True)

    chosen = pages()
    from django.conf import settings
    from django.core.management import call_command

    # As `make serve` does: the pages link to hashed static files.
    call_command("collectstatic", interactive=False, verbosity=0)
    # Nothing from another run, perhaps of other data: with Redis, give the
    # benchmark a database of its own (this empties it).
    from django.core.cache import cache

    cache.clear()
    from articles.models import Article

    run = Run(
        articles=Article.objects.count(),
        database=settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        cache=settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
        command=" ".join(
            shlex.quote(a)
            for a in [
                f"DATABASE_URL={os.environ.get('DATABASE_URL', '')}",
                *([f"REDIS_URL={os.environ['REDIS_URL']}"] if os.environ.get("REDIS_URL") else []),
                "python",
                "bench/run.py",
                *(argv if argv is not None else sys.argv[1:]),
            ]
        ),
    )
    print(f"{run.articles:,} articles on {run.database}, cache {run.cache}", flush=True)
    if args.soak:
        result = soak(chosen, seconds=args.soak, connections=args.connections)
        print(f"Reproduce with:\n  {run.command}")
        print(json.dumps(result, indent=2))
        if args.json:
            args.json.write_text(json.dumps({**asdict(run), "soak": result}, indent=2) + "\n")
        return 1 if result["non_2xx_3xx"] or result["socket_errors"] != "none" else 0
    if args.mixed:
        from bench import mixed

        result = mixed.run(seconds=args.seconds, connections=args.connections)
        print()
        print(f"{run.articles:,} articles, {run.database}, {run.cache}; reproduce with:")
        print(f"  {run.command}")
        print()
        print(mixed.table(result))
        if args.json:
            args.json.write_text(json.dumps({**asdict(run), "mixed": result}, indent=2) + "\n")
        if mixed.failed(result):
            print("\nSome requests failed: see bench/data/gunicorn.log", file=sys.stderr)
            return 1
        return 0
    failed = False
    for mode_name in args.modes.split(","):
        mode = MODES[mode_name]
        queries = count_queries([url for _, url in chosen], mode, warm=mode_name != "cold-once")
        if mode_name == "cold-once":
            run.modes[mode_name] = [
                Result(
                    name,
                    url,
                    1000 / queries[url][1],
                    queries[url][1],
                    queries[url][1],
                    queries[url][0],
                )
                for name, url in chosen
            ]
            continue
        results = []
        with Server(mode) as server:
            ceiling = measure(
                server.base,
                "ceiling",
                "/bench/ceiling",
                seconds=args.seconds,
                connections=args.connections,
                queries={"/bench/ceiling": (0, 0.0)},
            )
            results.append(ceiling)
            for name, url in chosen:
                result = measure(
                    server.base,
                    name,
                    url,
                    seconds=args.seconds,
                    connections=args.connections,
                    queries=queries,
                )
                results.append(result)
                failed |= bool(result.errors)
                print(f"  {mode_name:<6} {name:<28} {result.rps:8.1f} req/s", flush=True)
            # The ceiling again after the pages: the mean of the two stands for
            # the machine during the whole mode, whatever else ran meanwhile.
            again = measure(
                server.base,
                "ceiling",
                "/bench/ceiling",
                seconds=args.seconds,
                connections=args.connections,
                queries={"/bench/ceiling": (0, 0.0)},
            )
            ceiling.rps = (ceiling.rps + again.rps) / 2
            ceiling.p50_ms = (ceiling.p50_ms + again.p50_ms) / 2
            ceiling.p99_ms = max(ceiling.p99_ms, again.p99_ms)
            for result in results[1:]:
                result.ratio = 100 * result.rps / ceiling.rps
            if not run.one_client:
                # Search with one client: its latency, not the server's throughput,
                # in the first mode measured.
                run.one_client_mode = mode_name
                for name, url in chosen:
                    if name.startswith("search"):
                        stats = wrk(server.base + url, seconds=args.seconds, connections=1)
                        run.one_client.append(
                            Result(name, url, stats["rps"], stats["p50_ms"], stats["p99_ms"], None)
                        )
        run.modes[mode_name] = results

    print()
    print(f"{run.articles:,} articles, {run.database}, {run.cache}; reproduce with:")
    print(f"  {run.command}")
    for mode_name, results in run.modes.items():
        print()
        title = f"{mode_name}:"
        if mode_name == "cold-once":
            title = "cold, one request a page in-process (req/s = 1000 / its ms):"
        print(table(results, title))
    if run.one_client:
        print()
        print(table(run.one_client, f"search, one client, {run.one_client_mode}:"))
    if args.json:
        args.json.write_text(json.dumps(asdict(run), indent=2) + "\n")
    if failed:
        print("\nSome requests failed: see bench/data/gunicorn.log", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
