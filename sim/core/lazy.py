"""Lazy package exports: a package lists its public names and loads a module on first use.

Keeps `import sim.core` (and every package) cheap and free of import-order cycles, while
`from sim.analysis import shapley_values` works as users expect (PEP 562).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(package: str, exports: dict[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """`__getattr__` and `__dir__` for a package whose public `name` lives in `exports[name]`."""

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(exports[name]), name)
        globals_ = importlib.import_module(package).__dict__
        globals_[name] = value            # later lookups skip __getattr__
        return value

    def __dir__() -> list[str]:
        return sorted(exports)

    return __getattr__, __dir__
