"""The one place that chooses the engine's core: compiled, or its pure-Python twin.

``_py.py`` is the source of both: it runs as plain Python, and the build
compiles the same file with Cython into ``_c`` where a compiler exists
(``pip install .``; without one the install falls back to pure Python).
``INTERCOM_REDACT_NO_EXTENSIONS=1`` forces the pure core; otherwise the
compiled one is used when it imports.  :data:`IMPLEMENTATION` says which one
runs (``"c"`` or ``"py"``); ``Redactor`` shows it in its ``repr`` and the
benchmarks in their headers.  Type checkers see ``_py``.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

from . import _py

__all__ = ["CORE", "IMPLEMENTATION", "NO_EXTENSIONS", "load"]

NO_EXTENSIONS = bool(os.environ.get("INTERCOM_REDACT_NO_EXTENSIONS"))


def load(implementation: str) -> ModuleType:
    """The core named ``"c"`` (raises ImportError when it was not built) or ``"py"``."""
    if implementation not in ("c", "py"):
        raise ValueError(f"no core {implementation!r}: expected 'c' or 'py'")
    return importlib.import_module(f"{__name__}._{implementation}")


def _select() -> ModuleType:
    if not NO_EXTENSIONS:
        try:
            return load("c")
        except ImportError:  # built without a compiler: the pure-Python build
            pass
    return _py


CORE = _select()
"""The core the engine uses."""
IMPLEMENTATION: str = CORE.IMPLEMENTATION
