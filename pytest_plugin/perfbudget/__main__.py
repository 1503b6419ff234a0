"""`perfbudget ...` and `python -m perfbudget ...`: the C command line installed with the package
(perfbudget/_bin/perfbudget, the program CMake builds, from the same sources). It replaces this
process, so its exit status, output and signals are the command's own."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn


def command_path() -> Path:
    return Path(__file__).resolve().with_name("_bin") / "perfbudget"


def main() -> NoReturn:
    program = command_path()
    if not os.access(program, os.X_OK):
        sys.stderr.write(f"perfbudget: the command line was not built with this package "
                         f"({program} is missing); reinstall it with pip\n")
        sys.exit(2)
    os.execv(program, ["perfbudget", *sys.argv[1:]])


if __name__ == "__main__":
    main()
