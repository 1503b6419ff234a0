"""Every public C function (PERFBUDGET_API in core/include/perfbudget/*.h and the version.h template) is declared in the
cffi cdef, so the Python package can reach all of the core (STYLE 15)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEADERS = ROOT / "core" / "include" / "perfbudget"
CDEF = ROOT / "pytest_plugin" / "perfbudget" / "_perfbudget.cdef"
# Not for Python: a main() for C suites, and the C loop's inline fast path and optimizer barrier.
EXEMPT = {"perfbudget_main", "perfbudget_main_built", "perfbudget_loop_next_batch_",
          "perfbudget_do_not_optimize_"}

_DECLARATION = re.compile(r"PERFBUDGET_API\b[^;{]*?\b(perfbudget_\w+)\s*\(", re.S)


def api_functions() -> set[str]:
    names: set[str] = set()
    for header in sorted([*HEADERS.glob("*.h"), *HEADERS.glob("*.h.in")]):
        text = re.sub(r"/\*.*?\*/", "", header.read_text(encoding="utf-8"), flags=re.S)
        text = re.sub(r"^\s*#.*$", "", text, flags=re.M)  # the PERFBUDGET_API macro itself
        names.update(_DECLARATION.findall(text))
    return names


def cdef_functions() -> set[str]:
    text = re.sub(r"/\*.*?\*/", "", CDEF.read_text(encoding="utf-8"), flags=re.S)
    return set(re.findall(r"\b(perfbudget_\w+)\s*\(", text))


def test_headers_declare_the_api() -> None:
    found = api_functions()
    assert {"perfbudget_summarize", "perfbudget_compare", "perfbudget_budget_new_from_file"} <= found
    assert len(found) > 50


def test_every_api_function_is_in_the_cdef() -> None:
    missing = sorted(api_functions() - EXEMPT - cdef_functions())
    assert not missing, f"declared PERFBUDGET_API but missing from {CDEF.name}: {missing}"


def test_the_cdef_declares_nothing_the_headers_lack() -> None:
    extra = sorted(cdef_functions() - api_functions())
    assert not extra, f"in {CDEF.name} but not PERFBUDGET_API in the headers: {extra}"
