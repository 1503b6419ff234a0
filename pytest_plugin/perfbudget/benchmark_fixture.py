"""The `benchmark` fixture, registered by benchmark_compat when the ini sets
`perf_benchmark_fixture = true` (and pytest-benchmark is not loaded)."""

from __future__ import annotations

import pytest

from perfbudget.benchmark_compat import BenchmarkFixture


@pytest.fixture
def benchmark(request: pytest.FixtureRequest) -> BenchmarkFixture:
    """pytest-benchmark's `benchmark`, measured and judged by perfbudget (docs/pytest.md)."""
    from perfbudget.session import perf_session

    return BenchmarkFixture(perf_session(request.config).perf_for(request.node), request.node)
