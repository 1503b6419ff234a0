"""Perf tests. Each `perf(...)` call is measured and judged against perfbudget.yml; with
`--performance-regression` also against the baseline (by default the last run)."""

from collections import Counter

import pytest

from conftest import make_text
from wordcount import tokenize, top_words, vocabulary_richness


def test_tokenize_article(perf, article):
    words = perf(tokenize, article)          # returns tokenize's result, like pytest-benchmark
    assert len(words) == 5_001 - 1


@pytest.mark.parametrize("words", [100, 10_000])
def test_top_words_scales(perf, words):
    text = make_text(words)
    result = perf(top_words, text, 5)
    assert len(result) == 5


@pytest.mark.performance(budget="richness")  # judged by the "richness" entry
def test_richness_with_custom_metric(perf, article):
    richness = perf(vocabulary_richness, article)
    perf.record("richness", 100 * richness, "%", higher_is_better=True)


def test_two_measurements_in_one_test(perf, article):
    tokens = perf.named("tokenize")(tokenize, article)
    perf.named("count", tracemalloc=True)(top_words, article)  # + python_peak_memory
    assert tokens


def test_stages_of_a_pipeline(perf, article):
    """Where the time goes: each `perf.stage` block is timed on every measured call; the report
    lists count, mean, p99 and total per stage (and a .trace.json report draws the timeline)."""
    def pipeline():
        with perf.stage("tokenize"):
            words = tokenize(article)
        with perf.stage("count"):
            return Counter(words).most_common(5)

    assert len(perf(pipeline)) == 5
