"""Perf tests. Each `perf(...)` call is measured and judged against perfbudget.yml; with
`--performance-regression` also against the baseline (by default the last run)."""

import asyncio
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


def test_top_words_sweep(perf):
    """An input sweep: top_words on 1,000 to 64,000 words, each size a measurement of its own
    ("<nodeid>/<words>"), then a least-squares fit of time against size. The budget's
    complexity: fails the test when the fitted class grows faster than its own."""
    texts = {n: make_text(n) for n in (1_000, 4_000, 16_000, 64_000)}
    fit = perf.sweep(lambda n: top_words(texts[n], 5), sizes=sorted(texts))
    if fit is not None:  # None under --perf-disable: nothing was measured
        print(f"top_words: {fit.complexity}, {fit.coefficient:.3g} ns per word")


def test_top_words_threads(perf, article):
    """top_words by 1, 2 and 4 threads at once: per-thread latency, throughput, the spread
    between threads and the efficiency against one thread. Pure Python holds the GIL, so the
    threads take turns: efficiency about 1/N, which the budget's scaling: bounds."""
    perf.threads([2, 4])(top_words, article, 5)


def test_tokenize_async(perf, article):
    """A coroutine, measured in a fresh event loop; the result also carries the loop's own
    cost per awaited call (the custom metric event_loop_overhead), beside the call's."""
    async def tokenize_later():
        await asyncio.sleep(0)  # one trip through the loop
        return tokenize(article)

    assert perf.async_(tokenize_later)
