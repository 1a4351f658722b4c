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
    "sim.run": 1, "sim.api": 1, "sim.analysis": 1, "sim.report": 1, "sim.games": 1, "sim.pb": 1,
    "sim.survey": 1, "sim.testing": 1,
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
    "pabutools": ("sim.pb.pabulib", "sim.pb.mes"),
    "dask": ("sim.run.sweep.dask_backend",),
    "krippendorff": ("sim.survey",),
    "choix": ("sim.survey",),
}


# String imports ("pkg.mod" or "pkg.mod:attr" constants, as importlib and the registry resolve them)
# count as imports. Only the registry may name a higher room that way: it is the one door to agents.
STRING_ARROWS_ALLOWED = {"sim.run.registry": ("agents",)}


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(root: Path = ROOT, packages=PACKAGES) -> dict[str, Path]:
    return {module_name(p, root): p for pkg in packages for p in sorted((root / pkg).rglob("*.py"))}


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """`from ..x import y` in `module` -> the absolute module it names (`x` below the right parent)."""
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def string_imports(tree: ast.AST, known: set[str]) -> set[str]:
    """Project modules named by a string constant: "pkg.mod" or "pkg.mod:attr" (importlib, registry targets)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            target = node.value.partition(":")[0]
            if "." in target and target in known:
                out.add(target)
    return out


def imports(path: Path, known: set[str], module: str | None = None,
            strings: bool = False) -> set[str]:
    """Project modules imported anywhere in the file (`from a import b` counts a.b when it is a module).

    Relative imports are resolved against `module`; with `strings`, string imports count too.
    """
    module = module or module_name(path)
    tree = ast.parse(path.read_text(), str(path))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, module, path.name == "__init__.py")
            subs = {f"{base}.{a.name}".lstrip(".") for a in node.names} & known
            out.update(subs or ({base} if base else set()))
    return out | (string_imports(tree, known) if strings else set())


def graph(root: Path = ROOT, packages=PACKAGES, strings: bool = False) -> dict[str, set[str]]:
    mods = modules(root, packages)
    return {m: imports(p, set(mods), m, strings) for m, p in mods.items()}


def rank(module: str) -> int | None:
    best = None
    for prefix, r in RANKS.items():
        if module == prefix or module.startswith(prefix + "."):
            if best is None or len(prefix) > len(best[0]):
                best = (prefix, r)
    return None if best is None else best[1]


GRAPH = graph()
STRING_GRAPH = graph(strings=True)


def upward(code_graph: dict[str, set[str]], string_graph: dict[str, set[str]] | None = None) -> list[str]:
    """Every arrow from a lower room to a higher one; string arrows only where not allowed."""
    wrong = [f"{a} -> {b}" for a, targets in code_graph.items() for b in sorted(targets)
             if rank(a) is not None and rank(b) is not None and rank(b) > rank(a)]
    for a, targets in (string_graph or {}).items():
        allowed = STRING_ARROWS_ALLOWED.get(a, ())
        wrong += [f"{a} -> '{b}'" for b in sorted(targets - code_graph.get(a, set()))
                  if rank(a) is not None and rank(b) is not None and rank(b) > rank(a)
                  and not b.startswith(allowed)]
    return wrong


def test_every_module_has_a_room():
    assert [m for m in GRAPH if m not in ("sim", "sim.core.lazy") and rank(m) is None] == []


def test_imports_point_one_way():
    wrong = upward(GRAPH, STRING_GRAPH)
    assert wrong == [], "upward imports:\n" + "\n".join(wrong)


def test_the_faces_call_the_library_not_each_other():
    """The dashboard imports nothing from the CLI; the CLI finds agents only through the registry."""
    bad = [f"{a} -> {b}" for a, ts in STRING_GRAPH.items() for b in sorted(ts)
           if (a.startswith("dashboards") and b.startswith("sim.cli"))
           or (a.startswith("sim.cli") and b.split(".")[0] == "agents")]
    assert bad == []


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


def test_the_checker_knows_the_real_tree():
    assert rank("sim.core.protocol") < rank("agents.heuristic") < rank("sim.cli.commands") < rank("dashboards.app")
    assert "sim.core.context" in GRAPH["agents.heuristic"]
    assert "sim.search.exact" in GRAPH["sim.core.context"]
    assert "agents.heuristic" in STRING_GRAPH["sim.run.registry"]      # a registry target, allowed


PLANTED = {
    "absolute": "from agents.heuristic import make_heuristic\n",
    "relative": "from ...agents.heuristic import make_heuristic\n",
    "relative_module": "from ... import agents\nfrom ...agents import heuristic\n",
    "string": "import importlib\nimportlib.import_module('agents.heuristic')\n",
    "entry_point": "TARGET = 'agents.heuristic:make_heuristic'\n",
}


def _plant(tmp_path: Path, source: str) -> tuple[dict, dict]:
    """A copy of the rooms' shape under tmp_path/top with `source` planted in top/sim/core/metrics.py."""
    for mod in ("sim/__init__.py", "sim/core/__init__.py", "agents/__init__.py", "agents/heuristic.py"):
        (tmp_path / "top" / mod).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "top" / mod).write_text("make_heuristic = None\n")
    (tmp_path / "top" / "__init__.py").write_text("")
    (tmp_path / "top" / "sim" / "core" / "metrics.py").write_text(source)
    return graph(tmp_path / "top", ("sim", "agents")), graph(tmp_path / "top", ("sim", "agents"), strings=True)


@pytest.mark.parametrize("kind", sorted(PLANTED))
def test_the_checker_sees_a_planted_wrong_arrow(tmp_path, kind):
    """Each kind of upward import planted in sim/core/metrics.py of a scratch tree is reported."""
    code, strings = _plant(tmp_path, PLANTED[kind])
    assert upward(code, strings) != []
    assert all(w.startswith("sim.core.metrics -> ") for w in upward(code, strings))


def test_the_checker_passes_a_clean_tree(tmp_path):
    code, strings = _plant(tmp_path, "from sim.core import x\nNAME = 'sim.core:x'\n")
    assert upward(code, strings) == []


def test_every_benchmark_run_as_a_file_measures_this_checkout():
    """`python benchmarks/bench_X.py` puts benchmarks/ first on sys.path, not the checkout: without the
    root inserted, `import sim` would measure whatever copy is installed (another worktree's, say)."""
    for path in sorted((ROOT / "benchmarks").glob("bench_*.py")):
        text = path.read_text()
        as_module = f"python -m benchmarks.{path.stem}" in text
        assert as_module or "sys.path.insert(0, str(ROOT))" in text, f"{path.name}: insert the checkout's root on sys.path"
