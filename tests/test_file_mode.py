"""Files and run folders negsim writes take the process umask (no forced owner-only 0600, no forced 0755)."""

from __future__ import annotations

import os
import stat

import pytest

from sim.core.records import atomic_write, atomic_write_bytes, file_mode, write_folder


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


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_run_folders_follow_the_umask(tmp_path, mask):
    old = os.umask(mask)
    try:
        (tmp_path / "plain").mkdir()                                # what mkdir gives: the reference
        expected = stat.S_IMODE((tmp_path / "plain").stat().st_mode)
        assert expected == 0o777 & ~mask
        for _ in range(2):                                          # new, then replacing an existing folder
            write_folder(tmp_path / "run", {"summary.json": "{}"})
            assert stat.S_IMODE((tmp_path / "run").stat().st_mode) == expected
            assert stat.S_IMODE((tmp_path / "run" / "summary.json").stat().st_mode) == 0o666 & ~mask
    finally:
        os.umask(old)
