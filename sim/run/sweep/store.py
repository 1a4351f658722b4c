"""A sweep folder on disk: its manifest of part checksums (written last), healing on resume, and its lock.

Every part file is recorded in DIR/manifest.json with its SHA-256 after it is renamed into place,
so a resumed sweep can tell a complete part from a truncated or altered one. A corrupt part is moved
to DIR/corrupt/ and only its runs are redone; a corrupt sweep.json is rewritten when the manifest
vouches for the sweep; results.parquet is always rebuilt from the parts.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sim.core.files import strict_json
from sim.core.records import atomic_write
from sim.run.sweep.spec import SweepError

MANIFEST, META, LOCK, CORRUPT = "manifest.json", "sweep.json", ".lock", "corrupt"


def digest(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_json_object(path: Path) -> dict | None:
    """A JSON object file, or None when it is missing, truncated or not an object."""
    try:
        value = strict_json(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def read_manifest(out: Path) -> dict | None:
    """DIR/manifest.json ({"fingerprint", "parts": {name: sha256}}), or None when missing or corrupt."""
    manifest = read_json_object(Path(out) / MANIFEST)
    if manifest is None or not isinstance(manifest.get("parts"), dict):
        return None
    return manifest


def record_part(out: Path, part: Path, fingerprint: str) -> None:
    """Add a part's checksum to the manifest (after the part is in place, so the manifest is written last)."""
    manifest = read_manifest(out) or {"fingerprint": fingerprint, "parts": {}}
    manifest["parts"][part.name] = digest(part)
    atomic_write(Path(out) / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True))


def check_meta(out: Path, fingerprint: str) -> str | None:
    """Check DIR holds this sweep; None when DIR is new, else a note ('' when all is well).

    A corrupt sweep.json is accepted (and reported) when the manifest holds the same fingerprint;
    otherwise the folder cannot be trusted and SweepError says so in one line.
    """
    meta_path, manifest = Path(out) / META, read_manifest(out)
    if not meta_path.exists() and manifest is None:
        return None
    meta = read_json_object(meta_path)
    held = (meta or {}).get("fingerprint") or (manifest or {}).get("fingerprint")
    if held is None:
        raise SweepError(str(out), META, "corrupt, and no manifest.json says which sweep this folder holds",
                         "move the folder aside and run the sweep into a new --out")
    if held != fingerprint:
        raise SweepError(str(out), META, "this folder holds results of a different sweep",
                         "use a new --out folder, or the same sweep file and scenario to resume")
    return f"{META} was corrupt and is rewritten (the manifest vouches for this sweep)" if meta is None else ""


def quarantine(out: Path, part: Path, why: str) -> str:
    """Move a corrupt part to DIR/corrupt/ and drop it from the manifest; return the one-line note."""
    target = Path(out) / CORRUPT / part.name
    target.parent.mkdir(exist_ok=True)
    os.replace(part, target)
    manifest = read_manifest(out)
    if manifest is not None and manifest["parts"].pop(part.name, None) is not None:
        atomic_write(Path(out) / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True))
    return f"{part.name} was corrupt ({why}); moved to {CORRUPT}/, its runs are run again"


def part_problem(part: Path, manifest: dict | None) -> str:
    """Why a part cannot be trusted ('' when it can): checksum differs from the manifest, or unreadable."""
    import pandas as pd

    expected = (manifest or {}).get("parts", {}).get(part.name)
    if expected is not None and digest(part) != expected:
        return "checksum differs from manifest.json"
    try:
        frame = pd.read_parquet(part)              # every column: consolidate reads them all
    except Exception as err:                      # pyarrow raises several unrelated types for bad files
        return " ".join(str(err).split())[:80] or type(err).__name__
    if "run_id" not in frame or "error" not in frame or frame["run_id"].isna().any():
        return "rows without a run id or error column"
    return ""


@contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold DIR/.lock for the sweep's lifetime; a second sweep into DIR is refused in one line."""
    Path(out).mkdir(parents=True, exist_ok=True)
    with open(Path(out) / LOCK, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise SweepError(str(out), "(folder)", "another negsim sweep is writing this folder",
                             "wait for it to finish, or use another --out") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
