"""One base class for every domain error, so a caller (the CLI) catches one type."""

from __future__ import annotations

__all__ = ["NegsimError"]


class NegsimError(Exception):
    """An expected mistake in the user's input or environment: one line naming the fix."""
