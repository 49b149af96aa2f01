"""``make book``: the static HTML book builds, with a page per chapter and its stored outputs."""

from __future__ import annotations

import html as html_lib
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
SOLUTIONS = sorted((ROOT / "chapters" / "solutions").glob("*.ipynb"))

pytest.importorskip(
    "jupyter_book", reason="Jupyter Book is not installed (pip install -e '.[book]')"
)


def _title(nb_path: Path) -> str:
    nb = json.loads(nb_path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise AssertionError(f"{nb_path.name} has no top-level heading")


def _stored_images(nb_path: Path) -> int:
    nb = json.loads(nb_path.read_text())
    return sum(
        1
        for cell in nb["cells"]
        if cell["cell_type"] == "code"
        for out in cell.get("outputs", [])
        if "image/png" in out.get("data", {})
    )


@pytest.mark.slow
def test_book_has_every_chapter_page(book: Path):
    assert CHAPTERS, "no chapters/*.ipynb"
    index = book / "index.html"
    assert index.is_file()
    nav = (book / "intro.html").read_text()
    for nb in CHAPTERS + SOLUTIONS:
        page = book / nb.relative_to(ROOT).with_suffix(".html")
        assert page.is_file(), f"missing page for {nb.name}"
        text = page.read_text()
        assert nb.relative_to(ROOT).with_suffix(".html").as_posix() in nav, f"{nb.stem} not in the navigation"
        title = _title(nb)
        plain = html_lib.unescape(re.sub(r"<[^>]+>", "", text))
        assert title in plain, f"{nb.stem}: title {title!r} not on the page"
        # the outputs stored in the notebook are on the page, not re-executed or dropped
        images = len(re.findall(r"<img [^>]*src=\"\.\./_images/", text))
        assert images >= _stored_images(nb), (nb.stem, images, _stored_images(nb))
        assert (book / "_images").is_dir()
    assert (book / "search.html").is_file() and (book / "searchindex.js").is_file()


def _widget_outputs(nb_path: Path) -> int:
    nb = json.loads(nb_path.read_text())
    return sum(
        1
        for cell in nb["cells"]
        if cell["cell_type"] == "code"
        for out in cell.get("outputs", [])
        if "application/vnd.jupyter.widget-view+json" in out.get("data", {})
    )


@pytest.mark.slow
def test_book_shows_each_widget_as_its_picture(book: Path):
    assert sum(_widget_outputs(nb) for nb in CHAPTERS) >= 5, "the chapters' explorers are missing"
    for nb in CHAPTERS + SOLUTIONS:
        text = (book / nb.relative_to(ROOT).with_suffix(".html")).read_text()
        assert "widget-view+json" not in text, f"{nb.stem}: an empty widget view is on the page"
        assert "HBox(children" not in text and "VBox(children" not in text, f"{nb.stem}: a widget's repr shows"


@pytest.mark.slow
def test_chapters_link_to_their_solutions_page(book: Path):
    for sol in SOLUTIONS:
        chapter = book / "chapters" / sol.name.replace("_solutions", "").replace(".ipynb", ".html")
        assert f'href="solutions/{sol.stem}.html' in chapter.read_text(), f"{chapter.name} has no link to {sol.stem}"


@pytest.mark.slow
def test_book_pages_load_nothing_from_the_network(book: Path):
    pages = [book / "index.html", book / "intro.html", *(book / "chapters").glob("*.html")]
    for page in pages:
        text = page.read_text()
        remote = re.findall(r"<(?:script|link|img)\b[^>]*(?:src|href)=\"(?:https?:)?//[^\"]*", text)
        assert remote == [], (page.name, remote)
    # formulas render with the MathJax copied next to the pages
    page = (book / "chapters" / f"{CHAPTERS[0].stem}.html").read_text()
    assert "../_static/../mathjax/tex-mml-chtml.js" in page
    assert (book / "mathjax" / "tex-mml-chtml.js").is_file()
    assert any((book / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))
