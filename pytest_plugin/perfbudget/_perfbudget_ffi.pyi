# The cffi extension built from _perfbudget.cdef (see _build_ffi.py); _core.py is its only user.
from typing import Any

ffi: Any
lib: Any
