"""Files negsim writes take the process umask (no forced owner-only 0600)."""

from __future__ import annotations

import os
import stat

import pytest

from sim.core.records import atomic_write, atomic_write_bytes, file_mode


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_written_files_follow_the_umask(tmp_path, mask):
    old = os.umask(mask)
    try:
        atomic_write(tmp_path / "a.txt", "text")
        atomic_write_bytes(tmp_path / "b.bin", b"bytes")
        plain = tmp_path / "plain.txt"
        plain.write_text("x")                                     # what open() gives: the reference
        expected = stat.S_IMODE(plain.stat().st_mode)
        assert file_mode() == expected == 0o666 & ~mask
        for name in ("a.txt", "b.bin"):
            assert stat.S_IMODE((tmp_path / name).stat().st_mode) == expected
        assert (tmp_path / "a.txt").read_text() == "text"
    finally:
        os.umask(old)
