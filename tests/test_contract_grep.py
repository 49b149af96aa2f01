"""Two rules of the backend contract, checked on the source of ``dotkit/``.

1. No ``.astype(`` outside ``dotkit/backends/``. A backend's arrays need not
   have an ``astype`` method (torch tensors have none), so code outside the
   backends casts with ``bk.cast(x, dtype)``, and arrays that are NumPy by
   construction are converted with ``np.asarray``/``np.array(x, dtype=...)``.
   The rule is textual, like ``grep -rn "\\.astype(" dotkit/``: ``xp.astype(``
   counts too (the backend's ``cast`` is the one place that knows how), and so
   does the text of an error message, which would teach the reader the method.

2. No branch on which backend is running outside ``dotkit/backends/`` (where
   the backends and their fast-path modules live): a behaviour that depends on
   the library is a property the backend declares. The rule flags a backend's
   ``.name`` or ``.array_module`` compared with a string literal (``bk.name ==
   "numpy"``, ``backend.name in ("mlx", ...)``) and any comparison of an
   ``array_module``. It is narrow on purpose: comparing two backends' names
   (the door's check that arrays of two libraries are not mixed, or
   ``%dotkit compare`` running the current backend last) names no library,
   and a benchmark *profile*'s ``prof.name == "quick"`` is not a backend.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "dotkit"
BACKENDS = PACKAGE / "backends"
#: how backend objects are spelled outside backends/: ``bk``, ``nb``, ``backend``, ``self.bk``, ``get_backend(...)``
BACKEND_NAMES = {"bk", "nb", "backend", "_bk"}


def _sources() -> list[Path]:
    files = sorted(p for p in PACKAGE.rglob("*.py") if BACKENDS not in p.parents)
    assert len(files) > 20, f"found only {len(files)} modules under {PACKAGE}"
    return files


def _is_backend(node: ast.expr) -> bool:
    """Whether ``node`` reads as a backend object: a name above, an attribute of that name, or get_backend()."""
    if isinstance(node, ast.Name):
        return node.id in BACKEND_NAMES
    if isinstance(node, ast.Attribute):
        return node.attr in BACKEND_NAMES
    if isinstance(node, ast.Call):
        f = node.func
        return (isinstance(f, ast.Name) and f.id == "get_backend") or (
            isinstance(f, ast.Attribute) and f.attr == "get_backend")
    return False


def _is_literal(node: ast.expr) -> bool:
    """A string constant, or a tuple/list/set of them (``in ("numpy", "mlx")``)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    return isinstance(node, (ast.Tuple, ast.List, ast.Set)) and any(_is_literal(e) for e in node.elts)


def backend_branches(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, source) of each comparison that branches on a backend's name or array module."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        sides = [node.left, *node.comparators]
        for side in sides:
            if isinstance(side, ast.Name) and side.id == "array_module":
                found.append((node.lineno, ast.unparse(node)))
                break
            if not isinstance(side, ast.Attribute):
                continue
            names_library = side.attr == "name" and _is_backend(side.value) and any(
                _is_literal(other) for other in sides if other is not side)
            if side.attr == "array_module" or names_library:
                found.append((node.lineno, ast.unparse(node)))
                break
    return found


def test_no_astype_outside_backends() -> None:
    hits = [f"{path.relative_to(PACKAGE.parent)}:{n}: {line.strip()}"
            for path in _sources()
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
            if re.search(r"\.astype\(", line)]
    assert not hits, "use bk.cast(x, dtype) or np.asarray/np.array(x, dtype=...):\n" + "\n".join(hits)


def test_no_branch_on_a_backends_name_outside_backends() -> None:
    hits = [f"{path.relative_to(PACKAGE.parent)}:{n}: {src}"
            for path in _sources()
            for n, src in backend_branches(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))]
    assert not hits, "declare a property on the Backend instead of testing its name:\n" + "\n".join(hits)


def test_the_branch_rule_catches_what_it_must_and_passes_the_fine_cases() -> None:
    must = ['bk.name == "numpy"', 'x if bk.name != "numpy" else y', 'self.bk.name in ("mlx", "torch")',
            'get_backend().name == "mlx"', 'array_module == "numpy"', 'type(bk).array_module != module']
    fine = ['prof.name == "quick"', 'bk.name != backend_of(x)', 'get_backend(n).name != current',
            'entry.name == name', 'bk.name not in self._per_backend', 'r["backend"] == bk.name']
    for src in must:
        assert backend_branches(ast.parse(src)), src
    for src in fine:
        assert not backend_branches(ast.parse(src)), src
