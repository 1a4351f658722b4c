"""Reading untrusted user files: the existence and size checks every loader makes, in one place."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

__all__ = ["read_bounded"]

UserError = Callable[[str, str, str, str], Exception]     # (source, field, problem, fix), e.g. ScenarioError


def read_bounded(path: str | Path, max_bytes: int, error: UserError, *, too_big: tuple[str, str],
                 missing_fix: str = "check the path", source: str | None = None) -> bytes:
    """The bytes of `path`, or `error(...)` raised when it is missing or larger than `max_bytes`.

    `too_big` is the (problem, fix) pair of the loader's own one-line message; `source` names the
    file in messages (default: the normalised path).
    """
    path = Path(path)
    source = str(path) if source is None else source
    if not path.is_file():
        raise error(source, "(file)", "no such file", missing_fix)
    if path.stat().st_size > max_bytes:
        raise error(source, "(file)", *too_big)
    return path.read_bytes()
