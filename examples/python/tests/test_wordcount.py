"""Plain functional tests: perfbudget leaves them alone."""

from wordcount import tokenize, top_words, vocabulary_richness


def test_tokenize_keeps_apostrophes():
    assert tokenize("Don't PANIC, it's 42!") == ["don't", "panic", "it's"]


def test_top_words_orders_by_count_then_alphabet():
    assert top_words("b a b c a b", 2) == [("b", 3), ("a", 2)]


def test_vocabulary_richness_of_nothing():
    assert vocabulary_richness("") == 0.0
