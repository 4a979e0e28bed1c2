"""The package's import graph has no cycles, counting every import (also those inside functions):
each module depends only on modules below it, so any one can be imported or read on its own.
"""
import ast
import shutil
from pathlib import Path

import ganbook

SRC = Path(ganbook.__file__).resolve().parent


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path) -> dict[str, set[str]]:
    """``{module: {modules of this package it imports anywhere}}``."""
    modules = {module_name(p, root): p for p in root.rglob("*.py")}
    graph = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                base = package
                for _ in range(max(node.level - 1, 0)):
                    base = base.rpartition(".")[0]
                base = (f"{base}.{node.module}" if node.module else base) if node.level else node.module
                # `from pkg import sub` imports the submodule; `from pkg import name` needs pkg's body run
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            graph[name] |= {t for t in targets if t in modules and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_ganbook_import_graph_has_no_cycles():
    graph = import_graph(SRC)
    assert len(graph) > 50 and "ganbook.data.registry" in graph["ganbook.data"]
    assert cycles(graph) == []


def test_a_planted_cycle_is_found(tmp_path):
    copy = tmp_path / "ganbook"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__", "assets"))
    dataset = copy / "data" / "dataset.py"
    dataset.write_text(dataset.read_text() + "\nfrom .registry import DATASETS  # planted\n")
    found = cycles(import_graph(copy))
    assert any({"ganbook.data.dataset", "ganbook.data.registry"} <= set(c) for c in found), found
