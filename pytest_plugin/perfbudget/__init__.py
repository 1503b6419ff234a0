"""perfbudget: performance regression testing inside pytest, over the same C core as CTest.

The scripting API, for notebooks and CI scripts::

    import perfbudget
    s = perfbudget.summarize([1.0, 2.0, 3.0])
    c = perfbudget.compare(baseline, current, threshold=5.0)
    p = perfbudget.compare_paired(baseline_pairs, candidate_pairs, threshold=1.0)
    budgets = perfbudget.load_budgets("perfbudget.yml")
"""

from __future__ import annotations

from perfbudget._core import (
    Budget,
    BudgetError,
    Comparison,
    PairedComparison,
    PerfbudgetError,
    Summary,
    compare,
    compare_paired,
    load_budgets,
    summarize,
    version,
)

__version__ = version()

__all__ = [
    "Budget",
    "BudgetError",
    "Comparison",
    "PairedComparison",
    "PerfbudgetError",
    "Summary",
    "compare",
    "compare_paired",
    "load_budgets",
    "summarize",
    "__version__",
]
