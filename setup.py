"""The cffi extension needs setup(cffi_modules=...), which pyproject.toml cannot express; and the
package carries the `perfbudget` command line, the C program CMake builds, compiled here from
the same sources into perfbudget/_bin/. Everything else lives in pyproject.toml."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "pytest_plugin" / "perfbudget"))
import _build_ffi  # noqa: E402  (the extension's build settings, shared with the command)


class build_ext_and_command(build_ext):
    """The extension, then the command line beside it: in the source tree for an editable
    install, in the build tree (so in the wheel) otherwise."""

    def run(self) -> None:
        super().run()
        package_dir = Path(self.get_ext_fullpath("perfbudget._perfbudget_ffi")).parent
        self.build_command(package_dir / "_bin" / "perfbudget")

    def build_command(self, target: Path) -> None:
        sources = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "cli").glob("*.c"))
        sources += sorted(str(p.relative_to(ROOT)) for p in (ROOT / "runner").glob("*.c"))
        sources += sorted(str(p.relative_to(ROOT)) for p in (ROOT / "core" / "src").glob("*.c"))
        # No core/src: the command uses the public headers only; the core's own sources find
        # their private headers beside them.
        include_dirs = [str(ROOT / "core" / "include"), str(_build_ffi.generated_include_dir())]
        include_dirs += [f[2:] for f in _build_ffi.pkg_config("--cflags-only-I", "yaml-0.1",
                                                                "jansson", "sqlite3", "libcurl")]
        include_dirs += _build_ffi.postgresql()[0]
        objects_dir = Path(self.build_temp) / "perfbudget-command"
        objects = self.compiler.compile(
            sources, output_dir=str(objects_dir), include_dirs=include_dirs,
            macros=[("PERFBUDGET_BUILDING", "1"), *_build_ffi.postgresql()[2]],
            extra_postargs=["-std=c11", "-O2", "-fvisibility=hidden",
                            *_build_ffi.sanitizer_flags()])
        target.parent.mkdir(parents=True, exist_ok=True)
        # -rdynamic: `compare --interleave` loads suite modules whose calls bind to this
        # program's copy of the core (CMake's ENABLE_EXPORTS on the same program).
        self.compiler.link_executable(
            objects, target.name, output_dir=str(target.parent),
            libraries=["yaml", "jansson", "sqlite3", "pthread", *_build_ffi.postgresql()[1], "dl", "m"],
            extra_postargs=["-rdynamic", *_build_ffi.sanitizer_flags()])
        os.chmod(target, 0o755)


setup(
    version=_build_ffi.project_version(),
    cffi_modules=["pytest_plugin/perfbudget/_build_ffi.py:ffibuilder"],
    cmdclass={"build_ext": build_ext_and_command},
)
