"""The test set behind SAME_STORY_THRESHOLD (articles/services/dedupe.py).

Four stories on the beat, written for these tests, and the ways outlets
change a wire story when they run it: another headline and boilerplate,
the end cut, words edited, a local paragraph added, all of these at once.
Different stories share the topic, the places and the people, but not the
text. `python -m tests.story_variants` prints every score.
"""

import re
from pathlib import Path

STORIES = Path(__file__).parent / "pages" / "stories"

BOILERPLATE = (
    "Advertisement\nSign up for our morning newsletter and get the day's top stories.\n"
    "This website uses cookies to give you the best experience.\n"
)
CREDIT = "\nThis report by The Canadian Press was first published today.\n"
LOCAL = (
    "Our newsroom asked local officials how the change would affect families in the region; "
    "none had replied by deadline.\n"
)
EDITS = {
    "said": "stated",
    "people": "migrants",
    "government": "administration",
    "Thursday": "Thursday afternoon",
    "more than": "over",
    "asked": "called on",
    "families": "households",
}


def story_text(name: str) -> str:
    return (STORIES / f"{name}.txt").read_text()


def _paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p.strip()]


def _edited(text: str) -> str:
    for old, new in EDITS.items():
        text = re.sub(rf"\b{old}\b", new, text, count=2)
    return text.replace('"', "“", 1)


def _trimmed(text: str, share: float = 0.55) -> str:
    paragraphs = _paragraphs(text)
    return "\n\n".join(paragraphs[: max(2, round(len(paragraphs) * share))])


def variants(text: str) -> dict[str, str]:
    """How outlets run one story: each value is the same story."""
    return {
        "other headline and boilerplate": "A new headline for the same story\n"
        + BOILERPLATE
        + text
        + BOILERPLATE,
        "end cut": _trimmed(text),
        "words edited": _edited(text),
        "local paragraph and credit": LOCAL + text + CREDIT,
        "cut, edited and boilerplate": BOILERPLATE + _edited(_trimmed(text, 0.5)) + CREDIT,
    }


def story_pairs():
    """(label, text_a, text_b, same_story) for every pair in the test set."""
    names = sorted(p.stem for p in STORIES.glob("*.txt"))
    texts = {name: story_text(name) for name in names}
    for name in names:
        for label, variant in variants(texts[name]).items():
            yield f"{name}: {label}", texts[name], variant, True
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            yield f"{a} vs {b}", texts[a], texts[b], False
            # Two outlets' boilerplate and credit lines in common, stories not.
            yield (
                f"{a} vs {b}, both run by outlets",
                LOCAL + texts[a] + CREDIT + BOILERPLATE,
                variants(texts[b])["other headline and boilerplate"] + CREDIT,
                False,
            )


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    django.setup()
    from articles.services.dedupe import story_fingerprint, story_similarity

    for label, a, b, same in story_pairs():
        score = story_similarity(story_fingerprint(text=a), story_fingerprint(text=b))
        print(f"{'same' if same else 'diff'}  {score:.2f}  {label}")
