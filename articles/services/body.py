"""How much of an article a page's text is.

`word_count` tells an article from a menu or a login wall in any script.
"""

import math

import regex

# Chinese and Japanese are written without spaces between words, and Thai,
# Lao, Khmer and Burmese too: their words are counted from their characters,
# at a typical word's length, rounded up (about two characters for Han and kana, four
# for the Southeast Asian scripts). Other scripts count by runs of letters.
_HAN_KANA = r"\p{Han}\p{Hiragana}\p{Katakana}"
_SOUTHEAST_ASIAN = r"\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}"
UNSPACED_SCRIPTS = (
    (regex.compile(f"[{_HAN_KANA}]"), 2),
    (regex.compile(f"[{_SOUTHEAST_ASIAN}]"), 4),
)
SPACED_WORD = regex.compile(rf"(?:(?![{_HAN_KANA}{_SOUTHEAST_ASIAN}])\w)+(?:['’]\w+)*")


def word_count(text: str) -> int:
    """About how many words `text` has, in any script: a complete Japanese or
    Chinese article is not a menu because it has few spaces."""
    unspaced = sum(len(script.findall(text)) / length for script, length in UNSPACED_SCRIPTS)
    return len(SPACED_WORD.findall(text)) + math.ceil(unspaced)
