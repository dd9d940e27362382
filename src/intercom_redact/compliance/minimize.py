"""Data minimization: keep only the contact fields a purpose needs.

A purpose is a named list of dotted field paths (``custom_attributes.plan``).
:func:`minimize` copies those fields and nothing else, so what a cache or an
analytics job stores is decided by an allow-list, not by what Intercom happens
to return.  The default purpose keeps no personal data at all.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

__all__ = ["DEFAULT_PURPOSES", "MinimizationError", "Minimizer", "minimize"]

#: Built-in purposes.  ``default`` never keeps email, name, phone or location.
DEFAULT_PURPOSES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "default": ("id", "external_id", "role", "custom_attributes.plan", "last_seen_at"),
})


class MinimizationError(ValueError):
    """An unknown purpose, or a purpose definition that is not a list of field paths."""


class Minimizer:
    """Purposes compiled once into path tuples.

    :param purposes: ``{purpose: [dotted paths]}``; added to (and overriding)
        :data:`DEFAULT_PURPOSES`.
    """

    def __init__(self, purposes: Mapping[str, Iterable[str]] | None = None) -> None:
        merged: dict[str, Iterable[str]] = {**DEFAULT_PURPOSES, **(purposes or {})}
        self._paths = {name: _compile(name, paths) for name, paths in merged.items()}

    @property
    def purposes(self) -> tuple[str, ...]:
        """The purposes this minimizer knows."""
        return tuple(self._paths)

    def __call__(self, contact: Mapping[str, Any], purpose: str = "default") -> dict[str, Any]:
        """A new dict with only *purpose*'s fields of *contact* (absent fields stay absent)."""
        try:
            paths = self._paths[purpose]
        except KeyError:
            raise MinimizationError(
                f"unknown purpose {purpose!r}; known purposes: {', '.join(sorted(self._paths))}"
            ) from None
        if not isinstance(contact, Mapping):
            raise MinimizationError(f"a contact must be a mapping, got {type(contact).__name__}")
        out: dict[str, Any] = {}
        for path in paths:
            _copy_path(contact, out, path)
        return out


def minimize(
    contact: Mapping[str, Any], purpose: str = "default", *, purposes: Mapping[str, Iterable[str]] | None = None
) -> dict[str, Any]:
    """Project an Intercom *contact* to the fields *purpose* needs.

    :param contact: A contact as Intercom returns it.
    :param purpose: Name of a purpose; ``"default"`` keeps ``id``, ``external_id``,
        ``role``, ``custom_attributes.plan`` and ``last_seen_at``.
    :param purposes: Extra purposes ``{name: [dotted paths]}`` (compile them once
        with :class:`Minimizer` when calling often).
    :raises MinimizationError: unknown purpose or bad purpose definition.
    """
    minimizer = _DEFAULT if purposes is None else Minimizer(purposes)
    return minimizer(contact, purpose)


def _compile(name: str, paths: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    # A bare string is iterable too, and would silently become one path per letter.
    if isinstance(paths, (str, bytes)) or not isinstance(paths, Iterable):
        raise MinimizationError(f"purpose {name!r} must be a list of field paths, got {paths!r}")
    compiled = []
    for path in paths:
        parts = tuple(path.split(".")) if isinstance(path, str) else ()
        if not parts or not all(parts):
            raise MinimizationError(
                f"purpose {name!r}: {path!r} is not a dotted field path like 'custom_attributes.plan'"
            )
        compiled.append(parts)
    return tuple(compiled)


def _copy_path(source: Mapping[str, Any], target: dict[str, Any], path: tuple[str, ...]) -> None:
    head, rest = path[0], path[1:]
    if head not in source:
        return
    value = source[head]
    if not rest:
        # A copy: the result must never share (and let callers mutate) the input.
        target[head] = copy.deepcopy(value)
    elif isinstance(value, Mapping):
        branch = target.setdefault(head, {})
        if isinstance(branch, dict):
            _copy_path(value, branch, rest)


_DEFAULT = Minimizer()
