"""The one place YAML is read and written: libyaml's C loader and dumper when PyYAML has them.

Both are the safe ones (no tags executed); the pure-Python classes are the fallback and give the
same data and the same text. Hardening of the loader (depth, aliases) belongs here too.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["LOADER", "DUMPER", "yaml_dump", "yaml_load"]

LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DUMPER: type = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def yaml_load(text: str | bytes) -> Any:
    """Parse YAML text safely (like yaml.safe_load), with the C loader where available."""
    return yaml.load(text, Loader=LOADER)  # noqa: S506 - LOADER is a safe loader


def yaml_dump(data: Any, **options: Any) -> str:
    """Serialise data to YAML text (like yaml.safe_dump), with the C dumper where available."""
    return yaml.dump(data, Dumper=DUMPER, **options)
