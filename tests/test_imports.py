"""The package's own imports never run in a circle, every exception class lives in errors.py,
and the top-level names imported on first use are their modules' own objects.

The import graph is read from the source (no module is imported): an edge
``a -> b`` for every ``import``/``from ... import`` of a dotkit module in
``a``, at the top or inside a function (a lazy import still ties the two
modules together). The parent packages Python imports on the way are not
edges: ``dotkit.rl.features`` running ``dotkit/rl/__init__.py`` first is how
packages work, not a circle.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import subprocess
import sys
from pathlib import Path

import dotkit as dk

PACKAGE = Path(__file__).resolve().parents[1] / "dotkit"


def module_files(root: Path) -> dict[str, Path]:
    """``{"dotkit.rl.features": path, ...}`` for every module of the package at ``root``."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _known(name: str, modules: dict[str, Path]) -> str | None:
    """The innermost module of the package that ``name`` (a module or a name in one) belongs to."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _imported(node: ast.AST, here: str, is_package: bool, top: str, modules: dict[str, Path]) -> set[str]:
    if isinstance(node, ast.Import):
        return {m for a in node.names if a.name.split(".")[0] == top and (m := _known(a.name, modules))}
    if not isinstance(node, ast.ImportFrom):
        return set()
    base = node.module or ""
    if node.level:  # from . import x / from ..y import z
        package = here.split(".") if is_package else here.split(".")[:-1]
        package = package[: len(package) - node.level + 1]
        base = ".".join(package + ([base] if base else []))
    if base.split(".")[0] != top:
        return set()
    found = set()
    for alias in node.names:
        full = f"{base}.{alias.name}"  # `from dotkit.rl import random_walk` names a module
        found.add(full if full in modules else _known(base, modules))
    return {m for m in found if m}


def import_graph(root: Path) -> dict[str, set[str]]:
    """Each module of the package at ``root`` and the package modules it imports."""
    modules = module_files(root)
    graph = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        edges: set[str] = set()
        for node in ast.walk(tree):
            edges |= _imported(node, name, path.name == "__init__.py", root.name, modules)
        graph[name] = edges - {name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle ``[a, b, ..., a]``, or None (depth-first search, colouring the path)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = 2
        path.pop()
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_dotkit_has_no_import_cycle() -> None:
    graph = import_graph(PACKAGE)
    assert len(graph) > 40 and "dotkit.rl.prediction" in graph["dotkit.rl.experiments"]
    cycle = find_cycle(graph)
    assert cycle is None, "import circle: " + " -> ".join(cycle)


def test_the_walk_is_found_to_run_in_a_circle(tmp_path: Path) -> None:
    # the check itself: a lazy import back, a relative import and a package re-export
    pkg = tmp_path / "kit"
    (pkg / "rl").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "rl" / "__init__.py").write_text("from kit.rl.walk import run\n")
    (pkg / "rl" / "walk.py").write_text("def run():\n    from .learn import step\n    return step\n")
    (pkg / "rl" / "learn.py").write_text("from kit.rl import walk\nstep = 1\n")
    graph = import_graph(pkg)
    assert graph["kit.rl.walk"] == {"kit.rl.learn"} and graph["kit.rl.learn"] == {"kit.rl.walk"}
    assert find_cycle(graph) in (["kit.rl.learn", "kit.rl.walk", "kit.rl.learn"],
                                 ["kit.rl.walk", "kit.rl.learn", "kit.rl.walk"])
    (pkg / "rl" / "learn.py").write_text("step = 1\n")
    assert find_cycle(import_graph(pkg)) is None


def _exception_names() -> set[str]:
    tree = ast.parse((PACKAGE / "errors.py").read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, ast.ClassDef)}


def test_every_exception_class_is_defined_in_errors_py() -> None:
    ours = _exception_names()
    builtin = set(dir(builtins))
    elsewhere = []
    for name, path in module_files(PACKAGE).items():
        if name == "dotkit.errors":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef):
                continue
            bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}
            if bases & ours or any(b in builtin and b.endswith(("Error", "Exception")) for b in bases):
                elsewhere.append(f"{name}.{node.name}")
    assert {"DotkitError", "MagicUsageError", "UnknownWordError", "NotYet"} <= ours
    assert not elsewhere, f"exception classes outside dotkit/errors.py: {elsewhere}"


def test_every_lazy_top_level_name_is_its_module_s_own_object() -> None:
    for name, module in dk._LAZY.items():
        assert getattr(dk, name) is getattr(importlib.import_module(module), name), name
        assert name in dir(dk) and name in dk.__all__
    # the transformer's layer norm is reached like the other ops of chapter 4, and is the checked form
    assert dk.layer_norm is dk.nn.layer_norm
    got = dk.to_numpy(dk.layer_norm([[1.0, 3.0]], [2.0, 2.0], [0.5, 0.5], eps=1e-12, backend="numpy"))
    assert abs(got - [[-1.5, 2.5]]).max() < 1e-9  # (1 - 2) / 1 · 2 + 0.5, (3 - 2) / 1 · 2 + 0.5


def test_import_dotkit_leaves_the_lazy_modules_unimported() -> None:
    code = ("import sys, dotkit; "
            "print(sorted(m for m in ('dotkit.nn.normalization', 'dotkit.nn.attention', 'dotkit.nn.conv') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
