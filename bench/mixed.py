"""The mixed workload of `bench/run.py --mixed`: readers and an editor at once.

wrk asks for some 760 pages drawn from the benchmark's own data (the list,
tag and outlet pages and lists, pages 2 to 100, searches, 300 articles, the
feeds), each request one path drawn with Zipf-like weights (`zipf_mix`,
`bench/zipf.lua`), under gunicorn with production settings, while a writer
process (`bench/writer.py`) saves through the ORM, in phases of the same
length:

1. no writes;
2. a draft saved every 2 s (the public sees nothing of it);
3. a published article on the first page edited every 2 s;
4. a new article published every 2 s;
5. no writes again: how far the machine and the caches drifted meanwhile.

In each: requests a second (and as a share of the ceiling, the bare view
measured in the same server before and after the phases), p50 and p99
latency, and errors. After each public write a prober asks for the list and
the written article at once, anonymously, and times each first response; it
also checks that the page shows the new headline (a stale one is counted,
not failed: this only measures).
"""

import html
import http.client
import json
import math
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
URLS = ROOT / "bench/data/mixed-urls.txt"
SCRIPT = ROOT / "bench/zipf.lua"
WRITER = ROOT / "bench/writer.py"
WRITER_LOG = ROOT / "bench/data/writer.log"
# Seconds between two writes; seconds a writer may take to be ready, and to
# stop after its phase.
EVERY = 2
READY_TIMEOUT = 120
PHASES = [
    ("no writes", None),
    ("a draft saved every 2 s", "drafts"),
    ("a public edit every 2 s", "edits"),
    ("a new article every 2 s", "new"),
    # After the writes: with Redis, the caches filling again; with the
    # local-memory cache, which no other process's write reaches, how far the
    # machine drifted.
    ("no writes, again", None),
]
# Web traffic is Zipf-like with an exponent near 1: the list alone draws about
# a seventh of the requests, the last article one in 5,000.
EXPONENT = 1.0
# Warm-up passes over every page at most, and how much faster than the one
# before a pass must be for another to follow.
WARM_PASSES = 8
WARM_FALL = 0.8
SEED = 20261207


def zipf_mix(groups: list[list[str]], *, exponent: float = EXPONENT) -> list[tuple[str, float]]:
    """Paths ranked by popularity, each weighted 1 / rank ** exponent, summing to 1.

    The groups (each a kind of page, in its own order of popularity) are
    taken in turn, one path of each at a time: the head holds the first of
    every kind, the tail the many of the largest. A path in two groups
    counts once, at its better rank."""
    ranked, seen = [], set()
    queues = [iter(group) for group in groups]
    while queues:
        for queue in list(queues):
            path = next(queue, None)
            if path is None:
                queues.remove(queue)
            elif path not in seen:
                seen.add(path)
                ranked.append(path)
    weights = [1 / rank**exponent for rank in range(1, len(ranked) + 1)]
    total = sum(weights)
    return [(path, weight / total) for path, weight in zip(ranked, weights, strict=True)]


def mix_groups() -> list[list[str]]:
    """The pages of the mix, by kind, each kind in its order of popularity."""
    from django.db.models import Count

    from articles.models import Article, Source, Tag
    from bench.generate import COMMON, rare_word

    public = Article.objects.published()
    total = public.count()
    tags, sources = (
        list(
            model.objects.annotate(n=Count("articles"))
            .order_by("-n", "pk")
            .values_list("slug", flat=True)
        )
        for model in (Tag, Source)
    )
    # The newest 200 articles, and 100 from across the archive.
    newest = list(public.only("slug")[:200])
    spread = list(public.only("slug").order_by("pk")[:: max(1, total // 100)][:100])
    last_page = max(1, (total - 1) // 20 + 1)
    return [
        ["/"],
        ["/feed/rss/", "/feed/atom/"],
        [f"/tags/{slug}/" for slug in tags[:130]],
        [a.get_absolute_url() for a in newest + spread],
        [f"/?page={n}" for n in range(2, min(100, last_page) + 1)],
        [f"/?tag={slug}" for slug in tags[:80]],
        [f"/sources/{slug}/" for slug in sources[:80]],
        [f"/?q={COMMON}", *(f"/?q={rare_word(n)}" for n in range(30))],
        [f"/?source={slug}" for slug in sources[:40]],
        ["/tags/", "/sources/"],
    ]


def write_mix(mix: list[tuple[str, float]], path: Path = URLS) -> None:
    path.write_text("".join(f"{weight:.10g} {url}\n" for url, weight in mix))


def percentile(values: list[float], q: float) -> float | None:
    """The nearest-rank percentile: with a few samples, p99 is the largest."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered), max(1, math.ceil(q / 100 * len(ordered)))) - 1]


def _get(port: int, path: str) -> tuple[int, bytes, float, float]:
    """One anonymous GET on a connection of its own: status, body, start, ms."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    started = time.monotonic()
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        status = response.status
    except OSError:
        status, body = 0, b""
    finally:
        connection.close()
    return status, body, started, 1000 * (time.monotonic() - started)


class Prober(threading.Thread):
    """Reads the writer's lines; after each public write, asks for the list and
    the article at once and times the first response of each."""

    def __init__(self, port: int, stream):
        super().__init__(daemon=True)
        self.port = port
        self.stream = stream
        self.ready = threading.Event()
        self.writes: list[dict] = []
        self.probes: list[dict] = []

    def run(self):
        with ThreadPoolExecutor(2) as pool:
            # Ends at the end of the stream: when the writer exits.
            for line in self.stream:
                if line.strip() == "ready":
                    self.ready.set()
                if not line.startswith("{"):
                    continue
                event = json.loads(line)
                self.writes.append(event)
                if event["public"]:
                    pages = [("list", "/"), ("article", event["url"])]
                    futures = [pool.submit(self.probe, page, path, event) for page, path in pages]
                    self.probes += [future.result() for future in futures]

    def probe(self, page: str, path: str, event: dict) -> dict:
        status, body, started, ms = _get(self.port, path)
        return {
            "page": page,
            "path": path,
            "status": status,
            "ms": round(ms, 2),
            # From the writer's commit returning to this request leaving.
            "after_commit_ms": round(1000 * (started - event["committed"]), 2),
            "fresh": html.escape(event["title"]) in body.decode("utf-8", "replace"),
        }


def summary(probes: list[dict]) -> dict:
    times = [p["ms"] for p in probes]
    return {
        "samples": len(probes),
        "p50_ms": percentile(times, 50),
        "p99_ms": percentile(times, 99),
        "stale": sum(not p["fresh"] for p in probes),
        "failed": sum(p["status"] != 200 for p in probes),
        "after_commit_ms_max": max((p["after_commit_ms"] for p in probes), default=None),
    }


def _wrk_mix(base: str, *, seconds: float, connections: int) -> dict:
    from bench.run import wrk_command, wrk_stats

    command = wrk_command(base + "/", seconds=seconds, connections=connections, script=SCRIPT)
    out = subprocess.run(
        [*command, "--", str(URLS), str(SEED)],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 120,
    ).stdout
    return wrk_stats(out)


def phase(server, name: str, kind: str | None, *, seconds: int, connections: int) -> dict:
    """One phase: the mix under wrk, beside a writer and its prober if `kind`."""
    writes, probes = [], []
    if kind:
        with open(WRITER_LOG, "a") as log:
            stats, writes, probes = _with_writer(
                server, kind, log, seconds=seconds, connections=connections
            )
    else:
        stats = _wrk_mix(server.base, seconds=seconds, connections=connections)
    return {
        "phase": name,
        "writes": kind or "",
        **{key: stats[key] for key in ("requests", "rps", "p50_ms", "p99_ms")},
        "errors": stats["socket_error_count"] + stats["non_2xx_3xx"],
        "non_2xx_3xx": stats["non_2xx_3xx"],
        "socket_errors": stats["socket_errors"],
        "saves": len(writes),
        "save_ms_p50": percentile([w["save_ms"] for w in writes], 50),
        "first_list": summary([p for p in probes if p["page"] == "list"]),
        "first_article": summary([p for p in probes if p["page"] == "article"]),
        "probes": probes,
    }


def _with_writer(server, kind: str, log, *, seconds: int, connections: int):
    writer = subprocess.Popen(
        [sys.executable, str(WRITER), kind, "--seconds", str(seconds), "--every", str(EVERY)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    prober = Prober(server.port, writer.stdout)
    prober.start()
    try:
        if not prober.ready.wait(READY_TIMEOUT):
            raise RuntimeError(f"the writer was not ready in {READY_TIMEOUT} s: {WRITER_LOG}")
        writer.stdin.write("go\n")
        writer.stdin.flush()
        stats = _wrk_mix(server.base, seconds=seconds, connections=connections)
    finally:
        # Its writes are over by now: it stops by itself, or at the end of
        # its input if it never had a go.
        writer.stdin.close()
        try:
            writer.wait(timeout=seconds + READY_TIMEOUT)
        except subprocess.TimeoutExpired:
            writer.kill()
            writer.wait()
        prober.join(timeout=READY_TIMEOUT)
    if writer.returncode:
        raise RuntimeError(f"the writer failed ({writer.returncode}): see {WRITER_LOG}")
    return stats, prober.writes, prober.probes


def cleanup() -> dict:
    """The writer's marked writes of this run (or of one that died), taken back."""
    out = subprocess.run(
        [sys.executable, str(WRITER), "--cleanup"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _warm(server, mix: list[tuple[str, float]], *, seconds: int, connections: int) -> dict:
    """Every page, `connections` at a time, over and over until a pass is no
    longer much faster than the one before, then the mix: phase 1 is the
    steady state, not each page's first request. With the local-memory cache
    each worker makes each page once for itself, and a pass reaches one of
    them a page. Then the mix for three phases' time (at least 3 s)."""
    paths = [path for path, _ in mix]
    passes = []
    with ThreadPoolExecutor(connections) as pool:
        for _ in range(WARM_PASSES):
            started = time.monotonic()
            list(pool.map(lambda path: _get(server.port, path), paths))
            passes.append(round(time.monotonic() - started, 2))
            if len(passes) > 1 and passes[-1] > WARM_FALL * passes[-2]:
                break
    mix_seconds = max(3, 3 * seconds)
    _wrk_mix(server.base, seconds=mix_seconds, connections=connections)
    return {"passes_seconds": passes, "mix_seconds": mix_seconds}


def run(*, seconds: int, connections: int) -> dict:
    """Every phase in one server; the ceiling before and after them."""
    # Here, not above: importing bench.run sets DJANGO_SETTINGS_MODULE, which
    # the tests of zipf_mix must not.
    from bench.run import Server, measure

    mix = zipf_mix(mix_groups())
    write_mix(mix)
    cleanup()
    # Production's worker timeout and caching.
    env = {"GUNICORN_CMD_ARGS": "", "CACHE_PAGES": "1", "CACHE_AGGREGATES": "1"}
    options = {
        "seconds": seconds,
        "connections": connections,
        "queries": {"/bench/ceiling": (0, 0)},
    }
    try:
        with Server(env) as server:
            before = measure(server.base, "ceiling", "/bench/ceiling", **options)
            warm_up = _warm(server, mix, seconds=seconds, connections=connections)
            phases = []
            for name, kind in PHASES:
                phases.append(phase(server, name, kind, seconds=seconds, connections=connections))
                print(f"  mixed  {name:<26} {phases[-1]['rps']:8.1f} req/s", flush=True)
            after = measure(server.base, "ceiling", "/bench/ceiling", **options)
    finally:
        # Whatever happened: the next `generate.py --reuse` counts N articles.
        taken_back = cleanup()
    ceiling = (before.rps + after.rps) / 2
    for result in phases:
        result["ratio"] = 100 * result["rps"] / ceiling
    return {
        "seconds": seconds,
        "connections": connections,
        "every": EVERY,
        "paths": len(mix),
        "exponent": EXPONENT,
        "warm_up": warm_up,
        "ceiling_rps": ceiling,
        "ceiling_rps_before_after": [before.rps, after.rps],
        "phases": phases,
        "taken_back": taken_back,
    }


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def table(result: dict) -> str:
    before, after = result["ceiling_rps_before_after"]
    lines = [
        f"mixed: {result['paths']} pages, Zipf-like, {result['seconds']} s a phase; ceiling "
        f"{result['ceiling_rps']:,.0f} req/s ({before:,.0f} before the phases, {after:,.0f} "
        "after); first requests after a public write: p50 / p99 ms (stale of samples):",
        "| phase | req/s | % ceiling | p50 ms | p99 ms | errors | saves "
        "| first list | first article |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for p in result["phases"]:
        first = []
        for key in ("first_list", "first_article"):
            s = p[key]
            first.append(
                f"{_ms(s['p50_ms'])} / {_ms(s['p99_ms'])} ({s['stale']} stale of {s['samples']})"
                if s["samples"]
                else "-"
            )
        lines.append(
            f"| {p['phase']} | {p['rps']:,.1f} | {p['ratio']:.1f}% | {p['p50_ms']:.1f} "
            f"| {p['p99_ms']:.1f} | {p['errors']} | {p['saves']} | {first[0]} | {first[1]} |"
        )
    return "\n".join(lines)


def failed(result: dict) -> bool:
    """Errors under load, or a probe that got no 200."""
    return any(
        p["errors"] or p["first_list"]["failed"] or p["first_article"]["failed"]
        for p in result["phases"]
    )
