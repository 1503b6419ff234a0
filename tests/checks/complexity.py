#!/usr/bin/env python3
"""No function in the core, the suite runner or the CLI has a cyclomatic complexity over 25, as
lizard counts it (its CCN). The functions over it when the check came in are listed, to be split,
in complexity_exceptions.txt: the check fails on any other function over 25, and on a listed one
that is no longer over it (or is gone), so the list only shrinks.

Exit status: 0 none, 1 offenders (listed), 2 usage error, 77 lizard is not installed (1 under
CI=true; it is in pyproject.toml's test extras; scripts/setup installs it in .venv)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

LIMIT = 25
ROOT = Path(__file__).resolve().parents[2]
# The core, the suite runner (perfbudget_main) and the CLI.
SOURCE_DIRS = ["core/src", "runner", "cli"]
EXCEPTIONS = Path(__file__).with_name("complexity_exceptions.txt")


def known_exceptions() -> set[tuple[str, str]]:
    """(path, function) pairs from the exceptions file; '#' starts a comment."""
    listed = set()
    for line in EXCEPTIONS.read_text(encoding="utf-8").splitlines():
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        if len(fields) != 2:
            sys.exit(f"{EXCEPTIONS}: expected 'path function', not {line!r}")
        listed.add((fields[0], fields[1]))
    return listed


def main() -> int:
    try:
        import lizard
    except ImportError:
        print("lizard is not installed (pip install lizard; scripts/setup installs it in .venv)")
        # In CI the check must run, never skip.
        return 1 if os.environ.get("CI") else 77
    files = sorted(path for directory in SOURCE_DIRS if (ROOT / directory).is_dir()
                   for path in (ROOT / directory).rglob("*") if path.suffix in {".c", ".h"})
    over = {}
    for path in files:
        relative = path.relative_to(ROOT).as_posix()
        for function in lizard.analyze_file(str(path)).function_list:
            if function.cyclomatic_complexity > LIMIT:
                over[(relative, function.name)] = (function.start_line,
                                                   function.cyclomatic_complexity)
    listed = known_exceptions()
    new = sorted(key for key in over if key not in listed)
    fixed = sorted(listed - over.keys())
    for path, name in new:
        line, ccn = over[(path, name)]
        print(f"{path}:{line}: {name} has cyclomatic complexity {ccn}, over {LIMIT}: split it "
              f"into well-named helpers")
    for path, name in fixed:
        print(f"{path}: {name} is listed in {EXCEPTIONS.name} but no longer over {LIMIT} "
              f"(or is gone): remove its line")
    print(f"{len(files)} files, {len(over)} functions over {LIMIT} ({len(listed)} listed as "
          f"known exceptions): {len(new)} new, {len(fixed)} listed but fixed")
    return 1 if new or fixed else 0


if __name__ == "__main__":
    sys.exit(main())
