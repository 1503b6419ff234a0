"""Word statistics for plain text: the functions this example's perf tests guard."""

from __future__ import annotations

import re
from collections import Counter

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def tokenize(text: str) -> list[str]:
    """Lower-case words of text, apostrophes kept inside words ("don't")."""
    return [word.lower() for word in _WORD.findall(text)]


def top_words(text: str, n: int = 10) -> list[tuple[str, int]]:
    """The n most frequent words with their counts, most frequent first, ties alphabetical."""
    counts = Counter(tokenize(text))
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:n]


def vocabulary_richness(text: str) -> float:
    """Distinct words per word (type-token ratio); 0 for text without words."""
    words = tokenize(text)
    return len(set(words)) / len(words) if words else 0.0
