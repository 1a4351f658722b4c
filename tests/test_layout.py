"""The house's shape: imports point one way, no import cycles, heavy libraries in one module each.

Walks every import statement (module level and deferred inside functions) of every module
under sim/, agents/ and dashboards/.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("sim", "agents", "dashboards")

# Lower rank never imports higher rank. Same rank may import each other (no cycles, below).
RANKS = {
    "sim.core": 0, "sim.search": 0,
    "sim.run": 1, "sim.analysis": 1, "sim.games": 1, "sim.pb": 1, "sim.survey": 1, "sim.testing": 1,
    "sim.shapley": 1,        # deprecated alias of sim.analysis.shapley
    "agents": 2,
    "sim.cli": 3,
    "dashboards": 4,
}
# third-party libraries each confined to the named module prefixes
CONFINED = {
    "langchain": ("agents.llm",),
    "langchain_core": ("agents.llm",),
    "streamlit": ("dashboards",),
    "shap": ("sim.analysis.shapley",),
    "pabutools": ("sim.pb.pabulib",),
    "dask": ("sim.run.sweep.dask_backend",),
    "krippendorff": ("sim.survey",),
    "choix": ("sim.survey",),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def imports(path: Path, known: set[str]) -> set[str]:
    """Project modules imported anywhere in the file (`from a import b` counts a.b when it is a module)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            subs = {f"{node.module}.{a.name}" for a in node.names} & known
            out.update(subs or {node.module})
    return out


def rank(module: str) -> int | None:
    best = None
    for prefix, r in RANKS.items():
        if module == prefix or module.startswith(prefix + "."):
            if best is None or len(prefix) > len(best[0]):
                best = (prefix, r)
    return None if best is None else best[1]


GRAPH = {m: imports(p, set(modules())) for m, p in modules().items()}


def test_every_module_has_a_room():
    assert [m for m in GRAPH if m not in ("sim", "sim.core.lazy") and rank(m) is None] == []


def test_imports_point_one_way():
    wrong = [f"{a} -> {b}" for a, targets in GRAPH.items() for b in sorted(targets)
             if rank(a) is not None and rank(b) is not None and rank(b) > rank(a)]
    assert wrong == [], "upward imports:\n" + "\n".join(wrong)


def test_no_import_cycles():
    project = {m: {t for t in ts if t in GRAPH} for m, ts in GRAPH.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:            # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(project[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in project[v]:
                cycles.append(sorted(comp))

    for v in sorted(project):
        if v not in index:
            visit(v)
    assert cycles == []


@pytest.mark.parametrize("library", sorted(CONFINED))
def test_heavy_libraries_stay_in_their_module(library):
    users = sorted(m for m, ts in GRAPH.items()
                   if any(t == library or t.startswith(library + ".") for t in ts))
    assert [m for m in users if not m.startswith(CONFINED[library])] == []


def test_no_module_imports_private_names():
    bad = []
    for m, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in PACKAGES:
                bad += [f"{m}: from {node.module} import {a.name}" for a in node.names
                        if a.name.startswith("_") and not a.name.startswith("__")]
    assert bad == []


def test_the_checker_sees_a_wrong_arrow():
    """The rules are not vacuous: a made-up upward import is caught."""
    assert rank("sim.core.protocol") < rank("agents.heuristic") < rank("sim.cli.commands") < rank("dashboards.app")
    assert "sim.core.context" in GRAPH["agents.heuristic"]
    assert "sim.search.exact" in GRAPH["sim.core.context"]
