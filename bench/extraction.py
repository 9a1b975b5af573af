"""How well imports find an article's text: Newsroom beside trafilatura alone.

For each page, the text an import stores as `Article.body_text` (the import
path's extraction, then `sanitize_html` and `html_to_text`, as the model's
field does) and plain `trafilatura.extract` are scored against the expected
text: precision, recall and F1 over 4-token shingles, per page, then
averaged, as the article-extraction-benchmark does (and trafilatura's own
comparisons with it).

    python bench/extraction.py                       # tests/pages/extraction
    python bench/extraction.py --article-benchmark /tmp/aeb   # its html/ and ground-truth.json
    python bench/extraction.py --trafilatura-eval /tmp/trafilatura-eval/tests
    python bench/extraction.py --article-benchmark /tmp/aeb --worst 15   # where to look

`--trafilatura-eval` takes trafilatura's `tests/` folder (`cache/`, `eval/`
and `evaldata.json`): each page has snippets that must be in the text and
snippets that must not; it prints their precision, recall and F1 and the
share of pages that pass all of theirs.
"""

import argparse
import gzip
import json
import logging
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OWN_CORPUS = ROOT / "tests" / "pages" / "extraction"
TOKEN = re.compile(r"\w+")
SHINGLE = 4


def _shingles(text: str) -> Counter:
    tokens = TOKEN.findall(text or "")
    if not tokens:
        return Counter()
    # A text shorter than a shingle is one shingle of all its words.
    return Counter(tuple(tokens[i : i + SHINGLE]) for i in range(max(1, len(tokens) - SHINGLE + 1)))


def page_counts(expected: str, found: str) -> tuple[float, float, float]:
    """True positives, false positives and false negatives over shingles,
    as shares of their sum, so that a long page weighs no more than a short one."""
    want, got = _shingles(expected), _shingles(found)
    tp, fp, fn = sum((want & got).values()), sum((got - want).values()), sum((want - got).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


@dataclass
class Score:
    precision: float
    recall: float
    f1: float


def score(counts: Iterable[tuple[float, float, float]]) -> Score:
    """Precision and recall averaged over pages, and their F1."""
    counts = list(counts)

    def precision(tp, fp, fn):
        return 1.0 if fp == fn == 0 else (tp / (tp + fp) if tp + fp else 0.0)

    def recall(tp, fp, fn):
        return 1.0 if fp == fn == 0 else (tp / (tp + fn) if tp + fn else 0.0)

    p = [precision(*c) for c in counts if c[0] + c[1] > 0] or [0.0]
    r = [recall(*c) for c in counts if c[0] + c[2] > 0] or [0.0]
    p_mean, r_mean = sum(p) / len(p), sum(r) / len(r)
    f1 = 2 * p_mean * r_mean / (p_mean + r_mean) if p_mean + r_mean else 0.0
    return Score(p_mean, r_mean, f1)


# --- The two extractors ----------------------------------------------------------


def newsroom_text(html: str) -> str:
    """What an import of `html` stores as body_text ("" when it refuses the page)."""
    from articles.sanitize import html_to_text, sanitize_html
    from articles.services.extract import ExtractError, page_extract

    try:
        return html_to_text(sanitize_html(page_extract(html=html).body_html))
    except ExtractError:
        return ""


def trafilatura_text(html: str) -> str:
    import trafilatura

    return trafilatura.extract(html, include_comments=False) or ""


EXTRACTORS: dict[str, Callable[[str], str]] = {
    "newsroom": newsroom_text,
    "trafilatura": trafilatura_text,
}


def own_corpus(folder: Path = OWN_CORPUS) -> list[tuple[str, str, str]]:
    """(name, html, expected text) for each page of the corpus."""
    return [
        (page.stem, page.read_text(encoding="utf-8"), page.with_suffix(".txt").read_text("utf-8"))
        for page in sorted(folder.glob("*.html"))
    ]


def article_benchmark(folder: Path) -> list[tuple[str, str, str]]:
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key, item in sorted(truth.items()):
        with gzip.open(folder / "html" / f"{key}.html.gz", "rt", encoding="utf-8") as file:
            pages.append((key, file.read(), item.get("articleBody", "")))
    return pages


def _timed(extract, html):
    started = time.perf_counter()
    text = extract(html)
    return text, time.perf_counter() - started


def shingle_report(
    title: str, pages: list[tuple[str, str, str]], worst: int = 0
) -> dict[str, Score]:
    print(f"\n{title}: {len(pages)} pages")
    print(f"{'':<12} {'precision':>9} {'recall':>7} {'F1':>7} {'s/page':>7}")
    scores, newsroom_counts = {}, []
    for name, extract in EXTRACTORS.items():
        counts, seconds = [], 0.0
        for _key, html, expected in pages:
            text, elapsed = _timed(extract, html)
            counts.append(page_counts(expected, text))
            seconds += elapsed
        scores[name] = result = score(counts)
        print(
            f"{name:<12} {result.precision:>9.3f} {result.recall:>7.3f} {result.f1:>7.3f} "
            f"{seconds / max(len(pages), 1):>7.3f}"
        )
        if name == "newsroom":
            newsroom_counts = counts
    if worst:
        _worst_print(pages, newsroom_counts, worst)
    return scores


def _worst_print(pages, counts, worst: int) -> None:
    """The pages Newsroom does worst on, by the lower of precision and recall."""
    rows = []
    for (key, _html, _expected), (tp, fp, fn) in zip(pages, counts, strict=True):
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        rows.append((min(precision, recall), precision, recall, key))
    print(f"\nWorst {worst} for newsroom:   precision  recall")
    for _low, precision, recall, key in sorted(rows)[:worst]:
        print(f"  {key[:24]:<24} {precision:>9.3f} {recall:>7.3f}")


def _norm(text: str) -> str:
    return " ".join(text.split())


def snippet_report(folder: Path) -> None:
    """trafilatura's own evaluation: snippets that must and must not be found."""
    data = json.loads((folder / "evaldata.json").read_text(encoding="utf-8"))
    pages = []
    for item in data.values():
        for sub in ("cache", "eval"):
            if (path := folder / sub / item["file"]).is_file():
                pages.append((path.read_bytes(), item))
                break
    print(f"\ntrafilatura's evaluation set ({folder}): {len(pages)} pages")
    print(f"{'':<12} {'precision':>9} {'recall':>7} {'F1':>7} {'pages passed':>13} {'s/page':>7}")
    from trafilatura.utils import decode_file

    for name, extract in EXTRACTORS.items():
        tp = fp = fn = passed = 0
        seconds = 0.0
        for raw, item in pages:
            text, elapsed = _timed(extract, decode_file(raw))
            seconds += elapsed
            found = _norm(text)
            hits = sum(_norm(s) in found for s in item["with"])
            leaks = sum(_norm(s) in found for s in item["without"])
            tp, fp, fn = tp + hits, fp + leaks, fn + len(item["with"]) - hits
            passed += hits == len(item["with"]) and leaks == 0
        precision, recall = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
        f1 = 2 * precision * recall / max(precision + recall, 1e-9)
        print(
            f"{name:<12} {precision:>9.3f} {recall:>7.3f} {f1:>7.3f} "
            f"{passed / max(len(pages), 1):>13.1%} {seconds / max(len(pages), 1):>7.3f}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--article-benchmark", type=Path, metavar="PATH")
    parser.add_argument("--trafilatura-eval", type=Path, metavar="PATH")
    parser.add_argument(
        "--worst", type=int, default=0, metavar="N", help="list the N pages scored lowest"
    )
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()
    logging.disable(logging.CRITICAL)  # trafilatura logs every odd link it meets

    shingle_report(f"Own corpus ({OWN_CORPUS.relative_to(ROOT)})", own_corpus(), args.worst)
    if args.article_benchmark:
        shingle_report(
            f"article-extraction-benchmark ({args.article_benchmark})",
            article_benchmark(args.article_benchmark),
            args.worst,
        )
    if args.trafilatura_eval:
        snippet_report(args.trafilatura_eval)
    print("\nReproduce: python " + " ".join(["bench/extraction.py", *(argv or sys.argv[1:])]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
