"""Each chapter is a Jupytext pair: the .md source and its executed .ipynb twin."""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat
import pytest

CHAPTERS = Path(__file__).resolve().parent.parent / "chapters"
SOURCES = sorted(CHAPTERS.glob("*.md")) + sorted((CHAPTERS / "solutions").glob("*.md"))


def _cells(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    return [(c.cell_type, c.source.strip()) for c in nb.cells]


def test_there_are_chapters() -> None:
    assert len(SOURCES) >= 1


@pytest.mark.parametrize("md", SOURCES, ids=lambda p: p.stem)
def test_pair_in_sync(md: Path) -> None:
    ipynb = md.with_suffix(".ipynb")
    assert ipynb.exists(), f"{md.name} has no executed twin {ipynb.name}: run `make execute`"
    from_md = jupytext.read(md)
    from_nb = nbformat.read(ipynb, as_version=4)
    assert _cells(from_md) == _cells(from_nb), (
        f"{md.name} and {ipynb.name} differ: run `jupytext --sync` and re-execute"
    )


@pytest.mark.parametrize("md", SOURCES, ids=lambda p: p.stem)
def test_twin_is_executed(md: Path) -> None:
    nb = nbformat.read(md.with_suffix(".ipynb"), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, f"{md.name} has no code"
    unexecuted = [i for i, c in enumerate(code) if c.execution_count is None]
    assert not unexecuted, f"{md.stem}.ipynb has unexecuted code cells {unexecuted[:5]}"
    counts = [c.execution_count for c in code]
    assert counts == list(range(1, len(code) + 1)), f"{md.stem}.ipynb was not run top to bottom"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{md.stem}.ipynb stores an error output"
