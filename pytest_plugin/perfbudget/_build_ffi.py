"""Build the cffi extension perfbudget._perfbudget_ffi (out-of-line API mode) from the C core's
sources, linked against the system's libyaml, jansson and SQLite (libcurl and libpq are loaded
when an alert is posted or a PostgreSQL history opened). Run by setup.py through cffi_modules."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from cffi import FFI

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CORE = ROOT / "core"
# The core's library sources (the front ends, which print, live in runner/ and cli/).
SOURCES = sorted(str(path.relative_to(ROOT)) for path in (CORE / "src").glob("*.c"))


def project_version() -> str:
    """The version from the top-level CMakeLists.txt: one place for C and Python."""
    text = (ROOT / "CMakeLists.txt").read_text(encoding="utf-8")
    match = re.search(r"project\(perfbudget VERSION (\d+)\.(\d+)\.(\d+)", text)
    if match is None:
        raise RuntimeError("CMakeLists.txt has no project(perfbudget VERSION x.y.z)")
    return ".".join(match.groups())


def generated_include_dir() -> Path:
    """version.h, generated here as CMake's configure_file() would."""
    major, minor, patch = project_version().split(".")
    template = (CORE / "include" / "perfbudget" / "version.h.in").read_text(encoding="utf-8")
    text = (
        template.replace("@PROJECT_VERSION_MAJOR@", major)
        .replace("@PROJECT_VERSION_MINOR@", minor)
        .replace("@PROJECT_VERSION_PATCH@", patch)
        .replace("@PROJECT_VERSION@", project_version())
    )
    target = ROOT / "build" / "python-include" / "perfbudget"
    target.mkdir(parents=True, exist_ok=True)
    version_h = target / "version.h"
    if not version_h.exists() or version_h.read_text(encoding="utf-8") != text:
        version_h.write_text(text, encoding="utf-8")
    return target.parent


def pkg_config(flag: str, *packages: str) -> list[str]:
    try:
        output = subprocess.run(
            ["pkg-config", flag, *packages], check=True, capture_output=True, text=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    return output.split()


def sanitizer_flags() -> list[str]:
    """PERFBUDGET_SANITIZE=1 builds the extension under ASan and UBSan, as CMake's
    PERFBUDGET_SANITIZE does the C build; scripts/test-sanitize runs the Python tests with it.
    Undefined behaviour aborts rather than prints and goes on, so a test cannot pass over it."""
    if os.environ.get("PERFBUDGET_SANITIZE") != "1":
        return []
    return ["-fsanitize=address,undefined", "-fno-sanitize-recover=undefined",
            "-fno-omit-frame-pointer", "-g"]


def postgresql() -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """The PostgreSQL history backend's include directories, libraries and macro, when libpq's
    header is there (pkg-config libpq, Debian's libpq-dev); none, and a history that says so,
    without. The backend loads libpq itself (dlopen) when a PostgreSQL history is opened."""
    if not pkg_config("--modversion", "libpq"):
        return [], [], []
    includes = pkg_config("--cflags-only-I", "libpq")
    return [flag[2:] for flag in includes], ["dl"], [("PERFBUDGET_HAVE_LIBPQ", "1")]


ffibuilder = FFI()
ffibuilder.cdef((HERE / "_perfbudget.cdef").read_text(encoding="utf-8"))
ffibuilder.set_source(
    "perfbudget._perfbudget_ffi",
    '#include "perfbudget/perfbudget.h"',
    sources=SOURCES,
    include_dirs=[str(CORE / "include"), str(generated_include_dir()), str(CORE / "src")]
    + [flag[2:] for flag in pkg_config("--cflags-only-I", "yaml-0.1", "jansson", "sqlite3",
                                       "libcurl")]
    + postgresql()[0],
    libraries=["yaml", "jansson", "sqlite3", "pthread", *postgresql()[1], "m"],
    define_macros=[("PERFBUDGET_BUILDING", "1"), *postgresql()[2]],
    extra_compile_args=["-std=c11", "-O2", "-fvisibility=hidden", *sanitizer_flags()],
    extra_link_args=sanitizer_flags(),
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
