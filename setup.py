"""Build hook: compile the engine's core with Cython where it can, pure Python where it cannot.

``src/intercom_redact/_core/_py.py`` is plain, typed Python; Cython compiles the
same file (with the C types of ``_c.pxd``) into the extension
``intercom_redact._core._c``.  Without Cython, without a working C compiler, or
with ``INTERCOM_REDACT_NO_EXTENSIONS=1`` set at build time, the build says so
and installs the pure-Python package: same behaviour, slower.  Everything else
about the package is in ``pyproject.toml``.
"""

from __future__ import annotations

import os
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

CORE_SOURCE = "src/intercom_redact/_core/_py.py"
CORE_MODULE = "intercom_redact._core._c"


def _pure_python(reason: str) -> None:
    print(f"*** intercom-redact: {reason}; building the pure-Python core (slower, same results) ***",
          file=sys.stderr)


def _extensions() -> list[Extension]:
    if os.environ.get("INTERCOM_REDACT_NO_EXTENSIONS"):
        _pure_python("INTERCOM_REDACT_NO_EXTENSIONS is set")
        return []
    try:
        from Cython.Build import cythonize
    except ImportError:
        _pure_python("Cython is not installed")
        return []
    directives = {"language_level": 3, "annotation_typing": False}  # the types are in _c.pxd
    return cythonize([Extension(CORE_MODULE, [CORE_SOURCE])], build_dir="build/cython",
                     compiler_directives=directives, quiet=True)


class OptionalBuildExt(build_ext):
    """Compile the core if a C compiler works; otherwise leave it out, visibly."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # no compiler at all (DistutilsPlatformError and kin)
            _pure_python(f"the C extension could not be built ({exc})")

    def build_extension(self, ext: Extension) -> None:
        try:
            super().build_extension(ext)
        except Exception as exc:  # the compiler failed
            _pure_python(f"the C extension could not be built ({exc})")


setup(ext_modules=_extensions(), cmdclass={"build_ext": OptionalBuildExt})
