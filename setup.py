"""The cffi extension needs setup(cffi_modules=...), which pyproject.toml cannot express;
everything else lives in pyproject.toml."""

from setuptools import setup

setup(cffi_modules=["pytest_plugin/perfbudget/_build_ffi.py:ffibuilder"])
