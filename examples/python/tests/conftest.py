import random

import pytest

WORDS = ("the quick brown fox jumps over lazy dog performance budget regression test "
         "measure median sample noise baseline threshold").split()


def make_text(words: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) for _ in range(words)) + "."


@pytest.fixture(scope="session")
def article() -> str:
    return make_text(5_000)
