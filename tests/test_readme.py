"""The README a newcomer reads: short, the two commands first, every command listed, the quick start runs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_readme_is_short_and_starts_with_the_two_commands():
    assert len(README.splitlines()) < 250
    blocks = re.findall(r"```bash\n(.*?)```", README, re.S)
    assert blocks[0].strip() == "pip install -e . && negsim run scenarios/montreal_streets.yaml"
    ci = (ROOT / ".ci" / "run").read_text()
    assert f"# README: {blocks[1].strip()}" in ci          # CI mirrors the second command


def _commands() -> set[str]:
    import typer.main

    from sim.cli.commands import app

    click_app = typer.main.get_command(app)
    out = set()
    for name, cmd in click_app.commands.items():
        subs = getattr(cmd, "commands", None)
        out |= {f"{name} {s}" for s in subs} if subs else {name}
    return out


def test_the_commands_table_lists_every_command():
    table = README.split("## Commands", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `negsim ([a-z-]+(?: [a-z]+)?)", table, re.M))
    missing = sorted(c for c in _commands() if c not in listed and c.split()[0] not in listed - {"survey"})
    assert missing == []
    assert "--version" in table


def test_every_linked_document_exists():
    links = re.findall(r"\]\(((?:docs|scenarios)/[^)#]+)", README)
    assert links and [p for p in links if not (ROOT / p).is_file()] == []


def test_the_python_quick_start_runs(tmp_path):
    code = README.split("**Python.**", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    assert 5 <= len(code.strip().splitlines()) <= 12
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip()
